// `npm start` as a newcomer meets it (gatekit gateway --env dev, on free ports here): a clean start logs no
// WARN or ERROR, says once what the local run goes without; `gatekit check` / `probe` without an environment
// check that local gateway; a port already held is one plain line and exit 2.
import { execa } from "execa";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, gatekit, REPO } from "../support/cli.ts";
import { tail, waitFor } from "../support/gateway-process.ts";
import { freePort } from "../support/ports.ts";

let ports: { PORT: string; SEPARATE_HEALTH_PORT: string };
let proc: ReturnType<typeof execa>;
let lines: () => { level: number; msg: string }[];

beforeAll(async () => {
  ports = { PORT: String(await freePort()), SEPARATE_HEALTH_PORT: String(await freePort()) };
  const env = { ...ports, GATEKIT_DATA_DIR: mkdtempSync(join(tmpdir(), "gatekit-local-")) };
  proc = execa(process.execPath, [BIN, "gateway", "--env", "dev"], { cwd: REPO, env, reject: false, all: true });
  let text = "";
  proc.all?.on("data", (c: Buffer) => (text += c.toString()));
  lines = () => text.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as { level: number; msg: string });
  const output = tail(proc);
  await waitFor(async () => (await fetch(`http://127.0.0.1:${ports.SEPARATE_HEALTH_PORT}/health/readiness`)).status === 200, 120_000,
    () => proc.exitCode !== null, () => `gatekit gateway --env dev to be ready\n${output()}`);
});

afterAll(async () => {
  proc?.kill("SIGTERM");
  await proc;
});

describe("the local run (npm start)", () => {
  it("starts without a WARN or ERROR line, and says once that it runs without Redis and how to add one", () => {
    const logged = lines();
    expect(logged.filter((l) => l.level >= 40), JSON.stringify(logged, null, 1)).toEqual([]);
    const notes = logged.filter((l) => /without Redis/.test(l.msg));
    expect(notes).toHaveLength(1);
    expect(notes[0]!.level).toBe(30);
    expect(notes[0]!.msg).toContain("set REDIS_HOST and REDIS_PORT to use one");
  });

  it("gatekit check and probe without an environment check the local gateway", async () => {
    const check = await gatekit(["check", "--no-traffic"], { env: ports });
    expect(check.stderr).toContain(`no environment named: the local gateway (npm start) at http://127.0.0.1:${ports.PORT}`);
    expect(check.stdout).toContain("✓ liveliness");
    expect(check.exitCode, check.stdout).toBe(0);
    const probe = await gatekit(["probe"], { env: ports });
    expect(probe.exitCode, probe.stdout + probe.stderr).toBe(0);
    expect(probe.stdout).toContain("gpt-4o-mini");
  });

  it("a health port already in use: `port N is already in use`, exit 2, no stack trace", async () => {
    const holder = createServer().listen(0, "0.0.0.0");
    await new Promise((r) => holder.once("listening", r));
    const held = (holder.address() as { port: number }).port;
    try {
      const r = await execa(process.execPath, [BIN, "gateway", "--env", "dev"], {
        cwd: REPO, reject: false, all: true, timeout: 60_000,
        env: { PORT: String(await freePort()), SEPARATE_HEALTH_PORT: String(held), GATEKIT_DATA_DIR: mkdtempSync(join(tmpdir(), "gatekit-local-")) },
      });
      expect(r.exitCode, r.all).toBe(2);
      expect(r.stderr).toContain(`port ${held} is already in use`);
      expect(r.stderr).toContain("SEPARATE_HEALTH_PORT");
      expect(r.all).not.toMatch(/\n\s+at |EADDRINUSE/);
    } finally {
      holder.close();
    }
  });
});
