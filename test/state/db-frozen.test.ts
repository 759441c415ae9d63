// A Postgres that stops answering — frozen behind a TCP proxy that keeps every socket open — must not hang
// requests or shutdown; a spend row the database rejects must not hold back the others; a retiring worker's
// pool gives its connections back.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool, migrate, shrinkPool, type Pool } from "../../lib/gateway/state/db.ts";
import { SpendWriter, type SpendRow } from "../../lib/gateway/state/spend.ts";
import { MASTER_KEY, startGateway, type TestGateway } from "../support/gateway.ts";
import { waitFor } from "../support/gateway-process.ts";
import { startPostgres, type TestPostgres } from "../support/postgres.ts";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.ts";

let db: TestPostgres;
const pools: Pool[] = [];
const pool = (url = db.url, opts: Partial<Parameters<typeof createPool>[1]> = {}) => {
  const p = createPool(url, { max: 3, connectionTimeoutMs: 2000, ...opts });
  pools.push(p);
  return p;
};
let admin: Pool;
const rows = async (sql: string, params: unknown[] = []) => (await admin.query(sql, params)).rows;
const spendRow = (request_id: string, fields: Partial<SpendRow> = {}): SpendRow => ({
  request_id, call_type: "acompletion", api_key: "", spend: 0.001, prompt_tokens: 3, completion_tokens: 4, startTime: new Date(), endTime: new Date(),
  model: "openai/gpt-4o-mini", model_id: "m", model_group: "gpt-4o-mini", api_base: "", user: "", ...fields,
});

beforeAll(async () => {
  db = await startPostgres();
  admin = pool();
  await migrate(admin);
}, 120_000);

afterAll(async () => {
  await Promise.all(pools.map((p) => p.end().catch(() => {})));
  await db?.destroy();
});

describe("a frozen database", () => {
  let proxy: TcpProxy;
  let gw: TestGateway;
  const chat = (key: string) =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] }),
    });
  const generate = async () =>
    ((await (await fetch(`${gw.url}/key/generate`, { method: "POST", headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" }, body: "{}" })).json()) as { key: string; token: string });
  const bufferGauge = async () => Number(/^gatekit_spend_log_buffer_size\S* (\d+)/m.exec(await (await fetch(`${gw.url}/metrics`)).text())?.[1]);

  beforeAll(async () => {
    proxy = await startTcpProxy(db.port);
    const url = db.url.replace(`:${db.port}/`, `:${proxy.port}/`);
    gw = await startGateway({
      model_list: [{ model_name: "gpt-4o-mini", litellm_params: { model: "openai/gpt-4o-mini", mock_response: "hi" } }],
      general_settings: { database_url: "os.environ/DATABASE_URL", database_connection_pool_limit: 3, database_connection_timeout: 2, proxy_batch_write_at: 1, allow_requests_on_db_unavailable: true },
    }, { DATABASE_URL: url });
  });

  afterAll(async () => {
    proxy?.thaw();
    await gw?.close();
    await proxy?.close();
  });

  it("serves cached keys, answers an unknown key with a 503, reports the database down, and writes every spend row once after", async () => {
    const cached = await generate();
    const uncached = await generate();
    expect((await chat(cached.key)).status).toBe(200); // now in the key cache
    let served = 1;
    proxy.freeze();
    for (let i = 0; i < 20; i++) served += (await chat(cached.key)).status === 200 ? 1 : 0;
    const refused = await chat(uncached.key);
    const ready = await gw.gateway.readiness();
    for (let i = 0; i < 20; i++) served += (await chat(cached.key)).status === 200 ? 1 : 0;
    const buffered = await bufferGauge();
    proxy.thaw();
    const landed = async () => (await rows(`SELECT count(*)::int AS n FROM "LiteLLM_SpendLogs" WHERE api_key = $1`, [cached.token]))[0].n;
    await waitFor(async () => (await landed()) === served && (await bufferGauge()) === 0, 30_000);
    const [counts] = await rows(`SELECT count(*)::int AS n, count(DISTINCT request_id)::int AS ids FROM "LiteLLM_SpendLogs" WHERE api_key = $1`, [cached.token]);
    console.log(`frozen database: ${served} of 41 cached-key requests served, unknown key → ${refused.status}, readiness db=${ready.db}, buffer ${buffered} rows while frozen, ${counts.n} spend rows after (${counts.ids} distinct)`);
    expect(served).toBe(41);
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { type: string; code: string } }).error).toMatchObject({ type: "service_unavailable_error", code: "503" });
    expect(ready.db).toBe("disconnected");
    expect(buffered).toBeGreaterThan(0);
    expect(counts).toEqual({ n: served, ids: served });
  }, 90_000);

  it("close() gives up on a write that hangs at its deadline and reports the rows it could not write", async () => {
    const frozen = await startTcpProxy(db.port);
    // No query timeout: the write hangs for good, and only close()'s own deadline ends it.
    const writer = new SpendWriter(pool(db.url.replace(`:${db.port}/`, `:${frozen.port}/`), { connectionTimeoutMs: 60_000 }), { intervalMs: 60_000, maxBuffered: 100 });
    frozen.freeze();
    for (let i = 0; i < 3; i++) writer.add(spendRow(`hung-${i}`));
    const lost = await writer.close(1000);
    await frozen.close();
    expect(lost).toBe(3);
    expect(writer.dropped.shutdown).toBe(3);
  }, 30_000);
});

describe("spend rows the database rejects", () => {
  it("sets aside only the bad row; the rows around it and later ones are written", async () => {
    const rejected: string[] = [];
    const writer = new SpendWriter(pool(), { intervalMs: 60_000, maxBuffered: 100, onDropped: (reason, _n, r) => reason === "invalid_row" && rejected.push(r!.requestId) });
    for (let i = 0; i < 6; i++) writer.add(spendRow(`poison-batch-${i}`, i === 4 ? { model: "bad\u0000model" } : {}));
    writer.add(spendRow("poison-batch-nan", { prompt_tokens: Number.NaN, completion_tokens: Infinity, spend: Number.NaN }));
    await writer.flush();
    writer.add(spendRow("poison-later"));
    await writer.flush();
    const written = await rows(`SELECT request_id, prompt_tokens, total_tokens FROM "LiteLLM_SpendLogs" WHERE request_id LIKE 'poison-%' ORDER BY request_id`);
    expect(written.map((r) => r.request_id)).toEqual(["poison-batch-0", "poison-batch-1", "poison-batch-2", "poison-batch-3", "poison-batch-5", "poison-batch-nan", "poison-later"]);
    expect(written.find((r) => r.request_id === "poison-batch-nan")).toMatchObject({ prompt_tokens: 0, total_tokens: 0 });
    expect(rejected).toEqual(["poison-batch-4"]);
    expect(writer.dropped.invalid_row).toBe(1);
    expect(writer.buffered).toBe(0);
  });
});

describe("a retiring worker's pool", () => {
  it("closes its idle connections at once and never opens more than one again", async () => {
    const name = "gatekit-shrink-test";
    const p = pool(`${db.url}?application_name=${name}`);
    const open = async () => (await rows(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1`, [name]))[0].n;
    const held = await Promise.all([p.connect(), p.connect(), p.connect()]);
    held[0]!.release();
    held[1]!.release();
    expect(await open()).toBe(3);
    await shrinkPool(p);
    expect(p.totalCount).toBe(1); // the one still checked out
    held[2]!.release();
    const opened: number[] = [];
    p.on("connect", () => opened.push(p.totalCount));
    await Promise.all(Array.from({ length: 6 }, () => p.query("SELECT pg_sleep(0.05)")));
    await waitFor(async () => (await open()) <= 1, 10_000); // backends end a moment after their clients
    expect(Math.max(0, ...opened)).toBeLessThanOrEqual(1);
  });
});
