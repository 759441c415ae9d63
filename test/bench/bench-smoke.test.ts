// `npm run bench --quick` runs end to end and prints every row with numbers (it never asserts on timing).
import { execa } from "execa";
import net from "node:net";
import { describe, expect, it } from "vitest";
import { REPO } from "../support/cli.ts";

describe("npm run bench", () => {
  it("refuses at once, naming the port, when another process holds one of its ports", async () => {
    const holder = net.createServer();
    // the bench gateway's port (held already by something else, it is refused all the same)
    await new Promise<void>((resolve) => holder.once("error", () => resolve()).listen(18090, "127.0.0.1", resolve));
    try {
      const r = await execa("node_modules/.bin/tsx", ["bench/run.ts", "--quick"], { cwd: REPO, reject: false, timeout: 60_000 });
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(/^npm run bench: port (\d+, )*18090(, \d+)* on 127\.0\.0\.1 already in use/);
    } finally {
      if (holder.listening) await new Promise((resolve) => holder.close(resolve));
    }
  });

  it("measures the floor and the gateway, whole and streamed, and reports ratios", async () => {
    const r = await execa("node_modules/.bin/tsx", ["bench/run.ts", "--quick", "--json", "--duration", "1"], { cwd: REPO, reject: false, timeout: 240_000 });
    expect(r.exitCode, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.rows.map((row: { target: string; mode: string }) => `${row.target}/${row.mode}`)).toEqual([
      "node passthrough (floor)/chat", "gatekit gateway/chat", "gatekit gateway, group of 3/chat",
      "node passthrough (floor)/chat stream", "gatekit gateway/chat stream",
      "gatekit gateway, OpenAI-format upstream (translated)/messages stream", "node passthrough (floor)/messages stream", "gatekit gateway, Anthropic-format upstream (native)/messages stream",
      "gatekit gateway, chat upstream (bridged)/responses stream", "node passthrough (floor)/responses stream", "gatekit gateway, Responses upstream (native)/responses stream",
      "gatekit production path, master key/chat", "gatekit production path, virtual key + rpm limit/chat",
      "gatekit production path, virtual key + rpm limit, no spend journal/chat",
    ]);
    for (const row of out.rows) {
      expect(row.rps).toBeGreaterThan(0);
      expect(row.errors).toBe(0);
    }
    expect(out.rows[1].ratio).toBeGreaterThan(0);
    // Each gateway row reports its worker's GC pauses per request, read from the gateway's /metrics.
    for (const row of out.rows.filter((r: { ratio?: number }) => r.ratio !== undefined)) expect(row.gcUsPerRequest).toBeGreaterThanOrEqual(0);
    expect(out.firstChunkMs.gateway).toBeGreaterThan(0);
    expect(out.workerRssMb.after).toBeGreaterThan(0);
    // The production path: spend rows landed, and Postgres connections never outgrew pool × workers.
    expect(out.productionPath.spendRows).toBeGreaterThan(0);
    expect(out.productionPath.maxPgConnections).toBeGreaterThan(0);
    expect(out.productionPath.maxPgConnections).toBeLessThanOrEqual(out.productionPath.poolTimesWorkers);
  }, 300_000);
});
