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

export async function startGatewayProcess(config: object, opts: { args?: string[]; env?: Record<string, string>; unset?: string[]; cwd?: string; workers?: number; readyMs?: number } = {}): Promise<GatewayProcess> {
  const dir = mkdtempSync(join(tmpdir(), "gatekit-gw-"));
  const file = join(dir, "config.yaml");
  writeFileSync(file, stringify(config));
  const [port, healthPort] = [await freePort(), await freePort()];
  const workers = opts.workers ?? 1;
  const env: Record<string, string | undefined> = {
    ...process.env, LITELLM_MASTER_KEY: MASTER_KEY, SEPARATE_HEALTH_APP: "1", SEPARATE_HEALTH_PORT: String(healthPort), LITELLM_MODE: "PRODUCTION", ...opts.env,
  };
  for (const name of opts.unset ?? []) delete env[name];
  const proc = execa("node", [BIN, "gateway", "--config", file, "--host", "127.0.0.1", "--port", String(port), "--num_workers", String(workers), ...(opts.args ?? [])], {
    cwd: opts.cwd ?? dir, reject: false, all: true, env, extendEnv: false,
  });
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
  await waitFor(async () => (await gw.readiness()).body.live_workers === workers, opts.readyMs ?? 20_000, () => proc.exitCode !== null, () => `${proc.all ?? ""}`);
  return gw;
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, gaveUp: () => boolean = () => false, detail = () => ""): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (gaveUp()) throw new Error(`gave up waiting: ${detail()}`);
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting: ${detail()}`);
}
