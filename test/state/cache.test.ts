// The Redis response cache against a real redis-server: hits with x-litellm-cache-key, the per-request
// controls, a cached answer replayed as a stream, and a Redis outage that bypasses the cache without a hung
// request and recovers by itself. Every answer, cached or not, has its spend log row in a real Postgres.
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MASTER_KEY, startGateway, type TestGateway } from "../support/gateway.ts";
import { startMockOpenAI, type MockUpstream } from "../support/mock-openai.ts";
import { startPostgres, type TestPostgres } from "../support/postgres.ts";
import { startRedis, type TestRedis } from "../support/redis.ts";

let redis: TestRedis;
let db: TestPostgres;
let upstream: MockUpstream;
let gw: TestGateway;
const calls = (content: string) => upstream.requests.filter((q) => JSON.stringify(q.body.messages).includes(content)).length;
const ask = (content: string, extra: object = {}) =>
  fetch(`${gw.url}/v1/chat/completions`, {
    method: "POST", headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content }], ...extra }),
  });

beforeAll(async () => {
  [redis, db] = await Promise.all([startRedis(), startPostgres()]);
  upstream = await startMockOpenAI();
  await db.migrate();
  gw = await startGateway({
    model_list: [{ model_name: "gpt-4o-mini", litellm_params: { model: "openai/gpt-4o-mini", api_base: upstream.url } }],
    litellm_settings: { cache: true, cache_params: { type: "redis", host: "127.0.0.1", port: redis.port, password: "os.environ/REDIS_PASSWORD", namespace: "gatekit-test", ttl: 60 } },
    general_settings: { database_url: "os.environ/DATABASE_URL", proxy_batch_write_at: 1 },
  }, { REDIS_PASSWORD: redis.password, DATABASE_URL: db.url });
  await new Promise((r) => setTimeout(r, 300));
}, 60_000);

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
  await redis?.stop();
  await db?.destroy();
});

describe("response cache", () => {
  it("answers the same request from Redis the second time, with x-litellm-cache-key", async () => {
    const first = await ask("cache me");
    expect(first.headers.get("x-litellm-cache-key")).toBeNull();
    await new Promise((r) => setTimeout(r, 50));
    const second = await ask("cache me");
    expect(second.headers.get("x-litellm-cache-key")).toMatch(/^[0-9a-f]{64}$/);
    expect(await second.json()).toEqual(await first.json());
    expect(calls("cache me")).toBe(1);
  });

  it("logs a cached answer's call like any other: its own spend row, cache_hit 'True', no cost", async () => {
    const { key, token } = (await (await fetch(`${gw.url}/key/generate`, { method: "POST", headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" }, body: "{}" })).json()) as { key: string; token: string };
    const asKey = () => fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "cached spend" }] }),
    });
    const ids = [];
    for (let i = 0; i < 3; i++) {
      const r = await asKey();
      await r.arrayBuffer();
      ids.push(r.headers.get("x-litellm-call-id"));
      await new Promise((r) => setTimeout(r, 50)); // the first answer is stored before the next asks
    }
    const rows = async () => db.query(`SELECT request_id, cache_hit, spend, model_group FROM "LiteLLM_SpendLogs" WHERE api_key = $1 ORDER BY "startTime"`, [token]);
    await expect.poll(async () => (await rows()).length, { timeout: 10_000 }).toBe(3);
    expect((await rows()).map((r) => [r.request_id, r.cache_hit, r.model_group])).toEqual([[ids[0], "False", "gpt-4o-mini"], [ids[1], "True", "gpt-4o-mini"], [ids[2], "True", "gpt-4o-mini"]]);
    expect((await rows()).slice(1).map((r) => r.spend)).toEqual([0, 0]);
    expect(calls("cached spend")).toBe(1);
  });

  it("honours no-cache, no-store, ttl and s-maxage", async () => {
    await ask("controls");
    await new Promise((r) => setTimeout(r, 50));
    expect((await ask("controls", { cache: { "no-cache": true } })).headers.get("x-litellm-cache-key")).toBeNull();
    expect(calls("controls")).toBe(2);
    await ask("not stored", { cache: { "no-store": true } });
    await ask("not stored");
    expect(calls("not stored")).toBe(2);
    await ask("short lived", { cache: { ttl: 1 } });
    await new Promise((r) => setTimeout(r, 1200));
    await ask("short lived");
    expect(calls("short lived")).toBe(2);
    await ask("old enough");
    await new Promise((r) => setTimeout(r, 1100));
    expect((await ask("old enough", { cache: { "s-maxage": 1 } })).headers.get("x-litellm-cache-key")).toBeNull();
  });

  it("replays a cached answer as SSE for a streaming request", async () => {
    const whole = (await (await ask("stream me later")).json()) as { choices: { message: { content: string } }[] };
    await new Promise((r) => setTimeout(r, 50));
    const oai = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    let text = "";
    for await (const c of await oai.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "stream me later" }], stream: true })) {
      text += c.choices[0]?.delta.content ?? "";
    }
    expect(text).toBe(whole.choices[0]!.message.content);
    expect(calls("stream me later")).toBe(1);
  });

  it("keeps serving when Redis is down (cache bypassed, no hung request) and uses it again when it is back", async () => {
    await redis.stop();
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => ask(`during outage ${i}`)));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    const ready = (await (await fetch(`${gw.url}/health/readiness`)).json()) as { cache: string };
    console.log(`redis outage: 10 requests served in ${Date.now() - started} ms, readiness cache=${ready.cache}`);
    expect(ready.cache).toBe("disconnected");
    await redis.start();
    await new Promise((r) => setTimeout(r, 2500)); // the client reconnects by itself
    await ask("after outage");
    await new Promise((r) => setTimeout(r, 50));
    expect((await ask("after outage")).headers.get("x-litellm-cache-key")).not.toBeNull();
  }, 30_000);
});
