// A real `gatekit gateway` process (primary + workers) on free loopback ports, as deployed.
import { execa, type ResultPromise } from "execa";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { BIN } from "./cli.ts";
import { MASTER_KEY } from "./gateway.ts";
import { freePort } from "./ports.ts";

export interface GatewayProcess {
  url: string;
  healthUrl: string;
  proc: ResultPromise;
  readiness(): Promise<{ status: number; body: Record<string, unknown> }>;
  stop(): Promise<void>;
}

export async function startGatewayProcess(config: object, opts: { args?: string[]; env?: Record<string, string>; unset?: string[]; cwd?: string; workers?: number } = {}): Promise<GatewayProcess> {
  const dir = mkdtempSync(join(tmpdir(), "gatekit-gw-"));
  const file = join(dir, "config.yaml");
  writeFileSync(file, stringify(config));
  const [port, healthPort] = [await freePort(), await freePort()];
  const workers = opts.workers ?? 1;
  const env: Record<string, string | undefined> = {
    ...process.env, LITELLM_MASTER_KEY: MASTER_KEY, SEPARATE_HEALTH_APP: "1", SEPARATE_HEALTH_PORT: String(healthPort), LITELLM_MODE: "PRODUCTION", ...opts.env,
  };
  for (const name of opts.unset ?? []) delete env[name];
  const proc = execa(process.execPath, [BIN, "gateway", "--config", file, "--host", "127.0.0.1", "--port", String(port), "--num_workers", String(workers), ...(opts.args ?? [])], {
    cwd: opts.cwd ?? dir, reject: false, all: true, env, extendEnv: false,
  });
  const output = tail(proc);
  const gw: GatewayProcess = {
    url: `http://127.0.0.1:${port}`,
    healthUrl: `http://127.0.0.1:${healthPort}`,
    proc,
    async readiness() {
      const r = await fetch(`${gw.healthUrl}/health/readiness`);
      return { status: r.status, body: (await r.json()) as Record<string, unknown> };
    },
    async stop() {
      if (proc.exitCode === null) proc.kill("SIGTERM");
      await proc;
    },
  };
  // Generous: on a loaded machine a cold start takes many seconds; a gateway that exits stops the wait at once.
  await waitFor(async () => (await gw.readiness()).body.live_workers === workers, 120_000, () => proc.exitCode !== null,
    () => `the gateway's health app to report ${workers} live worker(s)\n${output()}`);
  return gw;
}

/** The last lines a child printed (stdout and stderr), for a wait that gives up. */
export function tail(proc: ResultPromise, lines = 20): () => string {
  let text = "";
  proc.all?.on("data", (chunk: Buffer) => (text = (text + chunk.toString()).slice(-20_000)));
  return () => {
    const last = text.trimEnd().split("\n").slice(-lines);
    return last.length && last[0] ? `last ${last.length} line(s) of its output:\n  ${last.join("\n  ")}` : "it printed nothing";
  };
}

/**
 * Polls `check` until it holds. When it times out (or `gaveUp` says the process it waits on is gone) the error
 * says what it waited for — `detail()`, else the check's own source — the last check's outcome, and how long.
 */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, gaveUp: () => boolean = () => false, detail = () => ""): Promise<void> {
  const started = Date.now();
  let last = "never checked";
  const why = () => {
    const [what, ...output] = (detail() || `\`${check.toString().replace(/\s+/g, " ").slice(0, 300)}\``).split("\n");
    return [`${what} (last check: ${last})`, ...output].join("\n");
  };
  while (Date.now() - started < timeoutMs) {
    if (gaveUp()) throw new Error(`gave up after ${((Date.now() - started) / 1000).toFixed(1)} s (the process exited) waiting for ${why()}`);
    const ok = await check().then((v) => ((last = String(v)), v), (e: unknown) => ((last = e instanceof Error ? e.message : String(e)), false));
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${why()}`);
}
