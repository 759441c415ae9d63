// Virtual keys and spend against a real PostgreSQL: migrations under concurrent starters, LiteLLM's key API
// and refusals, spend batched exactly once, and a 30 s database outage under load that loses no spend row.
import OpenAI from "openai";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool, migrate } from "../../lib/gateway/state/db.ts";
import { hashKey } from "../../lib/gateway/state/keys.ts";
import { MASTER_KEY, startGateway, type TestGateway } from "../support/gateway.ts";
import { startMockOpenAI, type MockUpstream } from "../support/mock-openai.ts";
import { startPostgres, type TestPostgres } from "../support/postgres.ts";

let db: TestPostgres;
let upstream: MockUpstream;
let gw: TestGateway;
const admin = (path: string, body?: object) =>
  fetch(`${gw.url}${path}`, { method: body ? "POST" : "GET", headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" }, body: body && JSON.stringify(body) });
const count = async (sql: string, params: unknown[] = []) => {
  const c = new pg.Client(db.url);
  await c.connect();
  try {
    return (await c.query(sql, params)).rows;
  } finally {
    await c.end();
  }
};

beforeAll(async () => {
  db = await startPostgres();
  upstream = await startMockOpenAI();
  const pools = Array.from({ length: 4 }, () => createPool(db.url, { max: 1, connectionTimeoutMs: 5000 }));
  const applied = await Promise.all(pools.map((p) => migrate(p)));
  await Promise.all(pools.map((p) => p.end()));
  expect(applied.flat()).toEqual([1, 2]); // four concurrent starters, each migration applied once
  gw = await startGateway({
    model_list: [
      { model_name: "gpt-4o-mini", litellm_params: { model: "openai/gpt-4o-mini", api_base: upstream.url } },
      { model_name: "priced", litellm_params: { model: "openai/custom", api_base: upstream.url, input_cost_per_token: 0.01, output_cost_per_token: 0.02 } },
    ],
    general_settings: { database_url: "os.environ/DATABASE_URL", database_connection_pool_limit: 3, database_connection_timeout: 2, proxy_batch_write_at: 1, allow_requests_on_db_unavailable: true },
  }, { DATABASE_URL: db.url });
}, 120_000);

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
  await db?.destroy();
});

describe("virtual keys", () => {
  it("generate, info, update, list, delete — stored only as SHA-256", async () => {
    const created = (await (await admin("/key/generate", { models: ["gpt-4o-mini"], key_alias: "team-a", max_budget: 10, duration: "1h", metadata: { team: "a" } })).json()) as { key: string; token: string };
    expect(created.key).toMatch(/^sk-/);
    expect(created.token).toBe(hashKey(created.key));
    expect(await count(`SELECT count(*)::int AS n FROM "LiteLLM_VerificationToken" WHERE token = $1 OR token = $2`, [created.key, hashKey(created.key)])).toEqual([{ n: 1 }]);
    const info = (await (await admin(`/key/info?key=${created.key}`)).json()) as { info: { key_alias: string; models: string[] } };
    expect(info.info).toMatchObject({ key_alias: "team-a", models: ["gpt-4o-mini"] });
    expect((await admin("/key/update", { key: created.key, key_alias: "team-b" })).status).toBe(200);
    const list = (await (await admin("/key/list")).json()) as { keys: string[] };
    expect(list.keys).toContain(created.token);
    const deleted = (await (await admin("/key/delete", { keys: [created.key] })).json()) as { deleted_keys: string[] };
    expect(deleted.deleted_keys).toEqual([created.token]);
  });

  it("admin routes need the master key; a virtual key is refused there", async () => {
    const { key } = (await (await admin("/key/generate", {})).json()) as { key: string };
    const r = await fetch(`${gw.url}/key/list`, { headers: { authorization: `Bearer ${key}` } });
    expect(r.status).toBe(403);
    expect((await fetch(`${gw.url}/key/list`)).status).toBe(401);
  });

  it("a virtual key works for its models, and is refused outside them, when blocked, expired or over budget", async () => {
    const { key } = (await (await admin("/key/generate", { models: ["gpt-4o-mini"] })).json()) as { key: string };
    const client = new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    expect((await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] })).choices.length).toBe(1);
    const models: string[] = [];
    for await (const m of client.models.list()) models.push(m.id);
    expect(models).toEqual(["gpt-4o-mini"]);
    await expect(client.chat.completions.create({ model: "priced", messages: [{ role: "user", content: "x" }] })).rejects.toThrow(/key not allowed to access model/);
    await admin("/key/update", { key, blocked: true });
    await expect(client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] })).rejects.toThrow(/blocked/);
    const expired = (await (await admin("/key/generate", { duration: "1s" })).json()) as { key: string };
    await new Promise((r) => setTimeout(r, 1100));
    const e = new OpenAI({ apiKey: expired.key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    await expect(e.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] })).rejects.toThrow(/Expired Key/);
    const budget = (await (await admin("/key/generate", { max_budget: 0.5 })).json()) as { key: string };
    const b = new OpenAI({ apiKey: budget.key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    await b.chat.completions.create({ model: "priced", messages: [{ role: "user", content: "x" }] }); // 11 × 0.01 + 7 × 0.02 = 0.25
    await b.chat.completions.create({ model: "priced", messages: [{ role: "user", content: "x" }] });
    await expect(b.chat.completions.create({ model: "priced", messages: [{ role: "user", content: "x" }] })).rejects.toBeInstanceOf(OpenAI.BadRequestError);
  });
});

describe("spend", () => {
  it("costs each request (x-litellm-response-cost), writes SpendLogs rows in batches and adds them to the key once", async () => {
    const { key } = (await (await admin("/key/generate", {})).json()) as { key: string };
    const client = new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const { response } = await client.chat.completions.create({ model: "priced", messages: [{ role: "user", content: "x" }] }).withResponse();
    expect(Number(response.headers.get("x-litellm-response-cost"))).toBeCloseTo(0.25, 10);
    for (let i = 0; i < 9; i++) await client.chat.completions.create({ model: "priced", messages: [{ role: "user", content: "x" }] });
    const logs = (await (await admin(`/spend/logs?api_key=${key}`)).json()) as { spend: number; call_type: string; model: string }[];
    expect(logs.length).toBe(10);
    expect(logs[0]).toMatchObject({ call_type: "acompletion", model: "openai/custom" });
    const [row] = await count(`SELECT spend FROM "LiteLLM_VerificationToken" WHERE token = $1`, [hashKey(key)]);
    expect(Number(row.spend)).toBeCloseTo(2.5, 8);
  });

  it("keeps serving cached keys through a 30 s Postgres outage under load, and every spend row lands once", async () => {
    const { key } = (await (await admin("/key/generate", {})).json()) as { key: string };
    const client = new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "warm the key cache" }] });
    let ok = 0;
    let failed = 0;
    const load = async (untilMs: number) => {
      while (Date.now() < untilMs) {
        try {
          await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] });
          ok++;
        } catch {
          failed++;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const start = Date.now();
    const loaders = Array.from({ length: 4 }, () => load(start + 36_000));
    await new Promise((r) => setTimeout(r, 2000));
    await db.stop();
    const ready = await (await fetch(`${gw.url}/health/readiness`)).json() as { db: string };
    await new Promise((r) => setTimeout(r, 30_000));
    await db.start();
    await Promise.all(loaders);
    await new Promise((r) => setTimeout(r, 3000)); // a batch interval after the database is back
    await admin("/spend/logs"); // flushes what is left
    const [rows] = await count(`SELECT count(*)::int AS n, count(DISTINCT request_id)::int AS distinct_ids FROM "LiteLLM_SpendLogs" WHERE api_key = $1`, [hashKey(key)]);
    console.log(`postgres outage (30 s): ${ok + 1} requests served, ${failed} failed, ${rows.n} spend rows (${rows.distinct_ids} distinct), readiness during the outage: db=${ready.db}`);
    expect(ready.db).toBe("disconnected");
    expect(failed).toBe(0);
    expect(rows.n).toBe(ok + 1);
    expect(rows.distinct_ids).toBe(rows.n);
  }, 120_000);
});
