// Rate limits and cooldowns shared through a real redis-server by two gateway instances (and one Postgres for
// the keys): a key's rpm, tpm and max_parallel_requests and a deployment's rpm hold across both instances; a
// cooldown decided by one is honoured by the other; with Redis stopped the limits hold per instance and
// requests are still served, and the shared limits come back by themselves.
import { Redis } from "ioredis";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashKey } from "../../lib/gateway/state/keys.ts";
import { waitFor } from "../support/gateway-process.ts";
import { MASTER_KEY, startGateway, type TestGateway } from "../support/gateway.ts";
import { startMockOpenAI, type MockUpstream } from "../support/mock-openai.ts";
import { startPostgres, type TestPostgres } from "../support/postgres.ts";
import { startRedis, type TestRedis } from "../support/redis.ts";

let db: TestPostgres;
let redis: TestRedis;
let upstream: MockUpstream;
let a: TestGateway;
let b: TestGateway;

const config = (api: string) => ({
  model_list: [
    { model_name: "chat", litellm_params: { model: "openai/gpt-4o-mini", api_base: api } },
    { model_name: "slow", litellm_params: { model: "openai/slow-400", api_base: api } },
    { model_name: "metered", litellm_params: { model: "openai/m1", api_base: api, rpm: 2 }, model_info: { id: "metered-1" } },
    { model_name: "metered", litellm_params: { model: "openai/m2", api_base: api, rpm: 2 }, model_info: { id: "metered-2" } },
    { model_name: "flaky", litellm_params: { model: "openai/error-500", api_base: api }, model_info: { id: "flaky-bad" } },
    { model_name: "flaky", litellm_params: { model: "openai/good", api_base: api }, model_info: { id: "flaky-good" } },
  ],
  router_settings: { redis_host: "127.0.0.1", redis_port: redis.port, redis_password: "os.environ/REDIS_PASSWORD", allowed_fails: 0, cooldown_time: 60 },
  general_settings: { database_url: "os.environ/DATABASE_URL", proxy_batch_write_at: 1 },
});

beforeAll(async () => {
  [db, redis, upstream] = await Promise.all([startPostgres(), startRedis(), startMockOpenAI()]);
  const env = { DATABASE_URL: db.url, REDIS_PASSWORD: redis.password };
  await db.migrate();
  [a, b] = await Promise.all([startGateway(config(upstream.url), env), startGateway(config(upstream.url), env)]);
  await new Promise((r) => setTimeout(r, 300)); // both connected to Redis
}, 120_000);

afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await upstream?.close();
  await Promise.all([db?.destroy(), redis?.stop()]);
});

async function newKey(fields: object): Promise<string> {
  const res = await fetch(`${a.url}/key/generate`, { method: "POST", headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" }, body: JSON.stringify(fields) });
  return ((await res.json()) as { key: string }).key;
}

/** Limits count in one-minute windows: start a counting test well inside one, so it can't straddle two. */
async function awayFromMinuteEdge(needMs = 8000): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < needMs) await new Promise((r) => setTimeout(r, left + 100));
}

/** One chat per gateway in turn; the HTTP status of each. */
async function alternate(key: string, n: number, model = "chat"): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) {
    const gw = i % 2 ? b : a;
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model, messages: [{ role: "user", content: `hi ${i}` }] }),
    });
    statuses.push(res.status);
  }
  return statuses;
}

describe("rate limits shared through Redis", () => {
  it("a key's rpm_limit holds across two instances, with LiteLLM's 429 and retry-after", async () => {
    const key = await newKey({ rpm_limit: 4, key_alias: "rpm-4" });
    await awayFromMinuteEdge();
    expect(await alternate(key, 6)).toEqual([200, 200, 200, 200, 429, 429]);
    const refused = await a.client(key).chat.completions.create({ model: "chat", messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    const error = refused as InstanceType<typeof OpenAI.RateLimitError>;
    expect(error.message).toContain("Crossed TPM / RPM / Max Parallel Request Limit");
    expect(error.message).toContain("rpm limit: 4");
    expect(Number(error.headers?.get("retry-after"))).toBeGreaterThan(0);
  });

  it("a busy limit, taken from Redis in leases, never admits more than the limit across instances", async () => {
    const key = await newKey({ rpm_limit: 300 });
    await awayFromMinuteEdge(20_000);
    const one = (gw: TestGateway) => fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "chat", messages: [{ role: "user", content: "busy" }] }),
    }).then((r) => r.status);
    const statuses = await Promise.all(Array.from({ length: 400 }, (_, i) => one(i % 2 ? b : a)));
    const served = statuses.filter((s) => s === 200).length;
    // At most 1% of the limit (3) per instance may sit unused in a lease when the limit is reached.
    expect(served).toBeLessThanOrEqual(300);
    expect(served).toBeGreaterThanOrEqual(294);
    expect(statuses.filter((s) => s === 429)).toHaveLength(400 - served);
  });

  it("a key's tpm_limit counts the tokens of finished requests on either instance", async () => {
    const key = await newKey({ tpm_limit: 30 }); // the mock answers 18 tokens a call
    await awayFromMinuteEdge();
    const statuses = await alternate(key, 3);
    expect(statuses).toEqual([200, 200, 429]);
  });

  it("max_parallel_requests holds across instances and frees its slots when requests end", async () => {
    const key = await newKey({ max_parallel_requests: 2 });
    const call = (gw: TestGateway) => gw.client(key).chat.completions.create({ model: "slow", messages: [{ role: "user", content: "p" }] }).then(() => 200, (e: { status: number }) => e.status);
    const statuses = await Promise.all([call(a), call(b), call(a), call(b)]);
    expect(statuses.filter((s) => s === 200)).toHaveLength(2);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2);
    expect(await Promise.all([call(b), call(a)])).toEqual([200, 200]);
  });

  it("a parallel slot never given back (a crashed worker, a lost release) frees itself when its hold ends", async () => {
    const key = await newKey({ max_parallel_requests: 1 });
    const slots = `gatekit:limit:key:${hashKey(key)}:slots`;
    const client = new Redis({ host: "127.0.0.1", port: redis.port, password: redis.password, lazyConnect: true });
    await client.connect();
    try {
      const [seconds] = await client.time();
      const call = () => a.client(key).chat.completions.create({ model: "chat", messages: [{ role: "user", content: "p" }] }).then(() => 200, (e: { status: number }) => e.status);
      await client.zadd(slots, Number(seconds) * 1000 + 60_000, "held-by-a-crashed-worker");
      expect(await call()).toBe(429);
      await client.zadd(slots, Number(seconds) * 1000 - 1000, "held-by-a-crashed-worker"); // its hold has ended
      expect(await call()).toBe(200);
      expect(await call()).toBe(200); // and the served request gave its own slot back
      await waitFor(async () => (await client.zcard(slots)) === 0, 5000); // released when the response closed
    } finally {
      client.disconnect();
    }
  });

  it("a deployment's rpm holds across instances: the router moves on, then answers 429 when all are spent", async () => {
    await awayFromMinuteEdge();
    const statuses = await alternate(MASTER_KEY, 5, "metered");
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
    const served = upstream.requests.filter((r) => String(r.body.model).startsWith("m")).map((r) => r.body.model);
    expect(served.filter((m) => m === "m1")).toHaveLength(2);
    expect(served.filter((m) => m === "m2")).toHaveLength(2);
  });

  it("a cooldown decided by one instance is honoured by the other", async () => {
    // allowed_fails 0: the first failure of the bad deployment cools it down on instance a (a retry then
    // reaches the good one or the caller sees the error — either way a sends the cooldown out).
    for (let i = 0; i < 50 && !upstream.requests.some((r) => r.body.model === "error-500"); i++) {
      await a.client().chat.completions.create({ model: "flaky", messages: [{ role: "user", content: "c" }] }).catch(() => {});
    }
    await new Promise((r) => setTimeout(r, 200));
    const before = upstream.requests.filter((r) => r.body.model === "error-500").length;
    expect(before).toBeGreaterThan(0);
    for (let i = 0; i < 10; i++) await b.client().chat.completions.create({ model: "flaky", messages: [{ role: "user", content: "c" }] });
    expect(upstream.requests.filter((r) => r.body.model === "error-500").length).toBe(before);
  });
});

describe("Redis outage", () => {
  it("keeps serving with limits held per instance, and shares them again once Redis is back", async () => {
    const key = await newKey({ rpm_limit: 3 });
    await awayFromMinuteEdge(15_000);
    await redis.stop();
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    // Each instance now counts alone: 3 a minute on a, 3 on b.
    const down = await alternate(key, 8);
    const tookMs = Date.now() - t0;
    expect(down).toEqual([200, 200, 200, 200, 200, 200, 429, 429]);
    const other = await newKey({ rpm_limit: 3 });
    await redis.start();
    await new Promise((r) => setTimeout(r, 2500)); // the reconnect back-off
    const back = await alternate(other, 5);
    expect(back).toEqual([200, 200, 200, 429, 429]);
    const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;
    console.log(`redis outage: ${down.length} requests while down in ${tookMs} ms (${count(down, 200)} served, ${count(down, 429)} over the per-instance limit); ` +
      `after restart ${count(back, 200)} of ${back.length} admitted under the shared limit`);
  }, 90_000);
});
