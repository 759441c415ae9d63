// The zero-set-up database: without DATABASE_URL the gateway runs PGlite under its data folder, shared by all
// workers; virtual keys and spend work, and survive a restart.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startGatewayProcess } from "../support/gateway-process.ts";
import { MASTER_KEY } from "../support/gateway.ts";

const config = { model_list: [{ model_name: "gpt-4o-mini", litellm_params: { model: "openai/gpt-4o-mini", mock_response: "hi" } }], general_settings: { proxy_batch_write_at: 60 } };
const call = (url: string, path: string, key: string, body?: object) =>
  fetch(`${url}${path}`, { method: body ? "POST" : "GET", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: body && JSON.stringify(body) });

describe("embedded database", () => {
  it("keys and spend with no DATABASE_URL, shared by the workers, kept across a restart", async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), "gatekit-data-")), "data");
    const start = () => startGatewayProcess(config, { workers: 2, env: { GATEKIT_DATA_DIR: dataDir }, unset: ["DATABASE_URL"] });
    let gw = await start();
    let key: string;
    try {
      expect((await gw.readiness()).body.db).toBe("connected");
      key = ((await (await call(gw.url, "/key/generate", MASTER_KEY, { key_alias: "embedded", max_budget: 5 })).json()) as { key: string }).key;
      // Enough requests to reach both workers (each with its own pool onto the one embedded database).
      const statuses = await Promise.all(Array.from({ length: 20 }, () => call(gw.url, "/v1/chat/completions", key, { model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] }).then((r) => r.status)));
      expect(statuses).toEqual(Array(20).fill(200));
    } finally {
      await gw.stop(); // spend still buffered (60 s batches) is written on shutdown
    }
    gw = await start();
    try {
      const info = (await (await call(gw.url, `/key/info?key=${key}`, MASTER_KEY)).json()) as { info: { key_alias: string; spend: number } };
      expect(info.info.key_alias).toBe("embedded");
      const logs = (await (await call(gw.url, `/spend/logs?api_key=${key}`, MASTER_KEY)).json()) as unknown[];
      expect(logs).toHaveLength(20);
      expect(info.info.spend).toBeGreaterThan(0); // the key's spend, updated by the same batches
    } finally {
      await gw.stop();
    }
  }, 300_000); // two cold starts (the first creates the database): generous, for a loaded machine
});
