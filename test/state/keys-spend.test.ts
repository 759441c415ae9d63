// Virtual keys and spend against a real PostgreSQL: migrations under concurrent starters, LiteLLM's key API
// and refusals, spend batched exactly once, the key cache through outages (stale keys served, deleted keys
// not, budgets held across reloads), and a 30 s database outage under load that loses no spend row.
import http from "node:http";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool, migrate, type Pool } from "../../lib/gateway/state/db.ts";
import type { KeyShare } from "../../lib/gateway/state/key-share.ts";
import { hashKey, KeyStore, overBudget, type VirtualKey } from "../../lib/gateway/state/keys.ts";
import { MASTER_KEY, startGateway, type TestGateway } from "../support/gateway.ts";
import { startGatewayProcess } from "../support/gateway-process.ts";
import { startMockOpenAI, type MockUpstream } from "../support/mock-openai.ts";
import { startPostgres, type TestPostgres } from "../support/postgres.ts";

let db: TestPostgres;
let upstream: MockUpstream;
let gw: TestGateway;
const admin = (path: string, body?: object, url = gw.url) =>
  fetch(`${url}${path}`, { method: body ? "POST" : "GET", headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" }, body: body && JSON.stringify(body) });
const generate = async (body: object = {}) => (await (await admin("/key/generate", body)).json()) as { key: string; token: string };
const chat = (url: string, key: string, model = "gpt-4o-mini") =>
  fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify({ model, messages: [{ role: "user", content: "x" }] }) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** With Postgres stopped for the length of `during`, started again whatever happens. */
const withoutPostgres = async (during: () => Promise<void>) => {
  await db.stop();
  try {
    await during();
  } finally {
    await db.start();
  }
};
const count = (sql: string, params: unknown[] = []) => db.query(sql, params);

beforeAll(async () => {
  db = await startPostgres();
  upstream = await startMockOpenAI();
  const pools = Array.from({ length: 4 }, () => createPool(db.url, { max: 1, connectionTimeoutMs: 5000 }));
  const applied = await Promise.all(pools.map((p) => migrate(p)));
  await Promise.all(pools.map((p) => p.end()));
  expect(applied.flat()).toEqual([1, 2, 3, 4]); // four concurrent starters, each migration applied once
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

  it("refuses bad admin bodies with a 400 naming the field and what it takes (never a 500), and a duplicate key without echoing it", async () => {
    const { key } = await generate();
    const bad: [object, string, RegExp][] = [
      [{ models: "gpt-4o" }, "models", /list of model names/],
      [{ max_budget: "ten" }, "max_budget", /number of USD/],
      [{ metadata: "x" }, "metadata", /JSON object/],
      [{ tpm_limit: 1.5 }, "tpm_limit", /whole number/],
      [{ duration: "forever" }, "duration", /30s/],
      [{ blocked: "yes" }, "blocked", /true or false/],
    ];
    for (const [body, field, allowed] of bad) {
      for (const [path, extra] of [["/key/generate", {}], ["/key/update", { key }]] as const) {
        const r = await admin(path, { ...extra, ...body });
        const { error } = (await r.json()) as { error: { message: string; type: string; param: string; code: string } };
        expect({ path, status: r.status, param: error.param, type: error.type, code: error.code }).toEqual({ path, status: 400, param: field, type: "invalid_request_error", code: "400" });
        expect(error.message).toContain(field);
        expect(error.message).toMatch(allowed);
      }
    }
    const missing = await admin("/key/update", { key_alias: "x" });
    expect([missing.status, ((await missing.json()) as { error: { param: string } }).error.param]).toEqual([400, "key"]);
    const custom = "sk-custom-duplicate-0123456789";
    expect((await admin("/key/generate", { key: custom })).status).toBe(200);
    const dup = await admin("/key/generate", { key: custom });
    const text = await dup.text();
    expect(dup.status).toBe(400);
    expect(JSON.parse(text).error).toMatchObject({ param: "key", type: "invalid_request_error" });
    expect(text).not.toContain(custom);
    expect(text).not.toContain(hashKey(custom));
  });
});

describe("the key cache", () => {
  let short: TestGateway;
  beforeAll(async () => {
    // A 1 s key cache, so its TTL passes within the test; spend batches that never land unless flushed.
    short = await startGateway({
      model_list: [{ model_name: "priced", litellm_params: { model: "openai/custom", api_base: upstream.url, input_cost_per_token: 0.01, output_cost_per_token: 0.02 } },
        { model_name: "gpt-4o-mini", litellm_params: { model: "openai/gpt-4o-mini", api_base: upstream.url } }],
      general_settings: { database_url: "os.environ/DATABASE_URL", database_connection_timeout: 2, proxy_batch_write_at: 3600, allow_requests_on_db_unavailable: true, user_api_key_cache_ttl: 1 },
    }, { DATABASE_URL: db.url });
  });
  afterAll(() => short?.close());

  it("serves a cached key for the whole outage, long after its TTL, and refuses a key without sk- before asking the database", async () => {
    const { key } = await generate();
    expect((await chat(short.url, key)).status).toBe(200);
    const statuses: number[] = [];
    let malformed: { status: number; text: string } | undefined;
    await withoutPostgres(async () => {
      for (let i = 0; i < 3; i++) {
        await sleep(1200); // past the key's TTL each time
        statuses.push((await chat(short.url, key)).status);
      }
      const r = await chat(short.url, "not-a-virtual-key-123");
      malformed = { status: r.status, text: await r.text() };
    });
    expect(statuses).toEqual([200, 200, 200]);
    expect(malformed!.status).toBe(401); // not 503: no database query was needed to refuse it
    expect(malformed!.text).toContain("LiteLLM Virtual Key expected");
    expect(malformed!.text).not.toContain("not-a-virtual-key-123");
  });

  it("holds a budget across a reload while its spend waits for the batch write, and counts landed spend once", async () => {
    const { key } = await generate({ max_budget: 0.5 });
    const served = async () => (await chat(short.url, key, "priced")).status;
    const onShort = (path: string, body?: object) => admin(path, body, short.url); // its spend buffer and its key cache
    expect(await served()).toBe(200); // 0.25
    await sleep(1200);
    expect(await served()).toBe(200); // reloaded: 0 in the database + 0.25 not yet written; now 0.5
    await sleep(1200);
    expect(await served()).toBe(400); // reloaded: 0 + 0.5 — over budget, though the database still says 0
    const [before] = await count(`SELECT spend FROM "LiteLLM_VerificationToken" WHERE token = $1`, [hashKey(key)]);
    expect(Number(before.spend)).toBe(0);
    await onShort("/spend/logs"); // the batch lands: 0.5 in the database, nothing left unwritten
    const [after] = await count(`SELECT spend FROM "LiteLLM_VerificationToken" WHERE token = $1`, [hashKey(key)]);
    expect(Number(after.spend)).toBeCloseTo(0.5, 8);
    expect((await onShort("/key/update", { key, max_budget: 1 })).status).toBe(200);
    expect(await served()).toBe(200); // reloaded: 0.5 + 0, not 0.5 counted twice; now 0.75
    await sleep(1200);
    expect(await served()).toBe(200); // 0.5 + 0.25 = 0.75; now 1.0
    expect(await served()).toBe(400);
  });

  it("caches a key recalled from the primary during an outage, and accrues its spend", async () => {
    const { key, token } = await generate({ max_budget: 0.5 });
    const [row] = await count(`SELECT * FROM "LiteLLM_VerificationToken" WHERE token = $1`, [token]);
    const recalled: VirtualKey = { ...row, spend: 0, max_budget: 0.5, models: [], metadata: {} };
    const calls = { db: 0, recall: 0 };
    const pool = createPool(db.url, { max: 1, connectionTimeoutMs: 2000 });
    const counted = { query: (...a: Parameters<Pool["query"]>) => (calls.db++, pool.query(...a)) } as unknown as Pool;
    const share: KeyShare = { remember: () => {}, recall: async (t) => (calls.recall++, t === token ? { ...recalled } : undefined), forget: () => {}, onForget: () => {} };
    const store = new KeyStore(counted, { allowWhenDbDown: true, shared: share });
    try {
      await withoutPostgres(async () => {
        const first = (await store.lookup(key))!;
        expect(first.token).toBe(token);
        store.addSpend(first, 0.3);
        const again = (await store.lookup(key))!;
        expect(calls).toEqual({ db: 1, recall: 1 }); // the second request neither queried nor asked the primary
        store.addSpend(again, 0.3);
        expect(overBudget((await store.lookup(key))!)).toBe(true);
      });
    } finally {
      await pool.end();
    }
  });

  it("keeps unknown keys apart, so a stream of them does not evict a valid one", async () => {
    const { key, token } = await generate();
    const pool = createPool(db.url, { max: 2, connectionTimeoutMs: 2000 });
    const store = new KeyStore(pool, { allowWhenDbDown: true, maxKeys: 5 });
    try {
      expect((await store.lookup(key))?.token).toBe(token);
      for (let i = 0; i < 20; i++) expect(await store.lookup(`sk-unknown-${i}`)).toBeUndefined();
      await withoutPostgres(async () => {
        expect((await store.lookup(key))?.token).toBe(token);
      });
    } finally {
      await pool.end();
    }
  });
});

describe("the key cache across workers", () => {
  /** One request on a new connection, so the primary hands it to the next worker in turn. */
  const once = (url: string, key: string, path = "/v1/chat/completions", body: object = { model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] }) =>
    new Promise<{ status: number; worker: string }>((resolve, reject) => {
      const req = http.request(`${url}${path}`, { method: "POST", agent: false, headers: { authorization: `Bearer ${key}`, "content-type": "application/json" } }, (res) => {
        res.resume().on("end", () => resolve({ status: res.statusCode!, worker: String(res.headers["x-gatekit-worker"]) }));
      });
      req.on("error", reject);
      req.end(JSON.stringify(body));
    });

  it("refuses keys deleted or blocked through any worker during an outage, though every worker and the primary had them", async () => {
    const gw = await startGatewayProcess({
      model_list: [{ model_name: "gpt-4o-mini", litellm_params: { model: "openai/gpt-4o-mini", api_base: upstream.url } }],
      general_settings: { database_url: "os.environ/DATABASE_URL", database_connection_timeout: 2, allow_requests_on_db_unavailable: true },
    }, { workers: 2, env: { DATABASE_URL: db.url } });
    try {
      const [deleted, blocked] = [await generate(), await generate()];
      for (const k of [deleted, blocked]) {
        const workers = new Set<string>();
        for (let i = 0; i < 20 && workers.size < 2; i++) {
          const r = await once(gw.url, k.key);
          expect(r.status).toBe(200);
          workers.add(r.worker);
        }
        expect(workers.size).toBe(2); // both workers cached the key, and told the primary
      }
      // Each change goes to one worker; the other still has the key cached.
      expect((await once(gw.url, MASTER_KEY, "/key/delete", { keys: [deleted.key] })).status).toBe(200);
      expect((await once(gw.url, MASTER_KEY, "/key/update", { key: blocked.key, blocked: true })).status).toBe(200);
      const during = { deleted: [] as string[], blocked: [] as string[] };
      await withoutPostgres(async () => {
        for (const [name, k] of [["deleted", deleted], ["blocked", blocked]] as const) {
          for (let i = 0; i < 4; i++) {
            const r = await once(gw.url, k.key);
            during[name].push(`${r.worker}:${r.status}`);
          }
        }
      });
      console.log(`during the outage (worker:status): deleted key ${during.deleted.join(" ")}; blocked key ${during.blocked.join(" ")}`);
      for (const answers of [during.deleted, during.blocked]) {
        expect(new Set(answers.map((a) => a.split(":")[0])).size).toBe(2); // asked of both workers
        for (const a of answers) expect(["401", "503"]).toContain(a.split(":")[1]);
      }
    } finally {
      await gw.stop();
    }
  }, 60_000);
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
