// Worker recycling must not grow Postgres connections beyond pool × workers: a draining worker gives its pool
// back (all but one connection, for its in-flight requests and last spend batch) while its replacement opens
// one. Shown on a worker held in its drain by a request that never ends; and measured under recycling load.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { MASTER_KEY } from "../support/gateway.ts";
import { startGatewayProcess, waitFor } from "../support/gateway-process.ts";
import { startMockOpenAI, type MockUpstream } from "../support/mock-openai.ts";
import { startPostgres, type TestPostgres } from "../support/postgres.ts";

const POOL = 3;
let db: TestPostgres;
let upstream: MockUpstream;
let sampler: pg.Client;
const gatewayConnections = async () =>
  (await sampler.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = 'litellm' AND backend_type = 'client backend'`)).rows[0].n as number;
const config = () => ({
  model_list: [
    { model_name: "gpt-4o-mini", litellm_params: { model: "openai/gpt-4o-mini", mock_response: "hi" } },
    { model_name: "hang", litellm_params: { model: "openai/hang", api_base: upstream.url, api_key: "sk-upstream" } },
  ],
  general_settings: { database_url: "os.environ/DATABASE_URL", database_connection_pool_limit: POOL, proxy_batch_write_at: 1 },
});
/** Unknown keys: each request looks its key up in Postgres. */
const unknownKey = (url: string) => fetch(`${url}/v1/models`, { headers: { authorization: `Bearer sk-${randomBytes(12).toString("hex")}` } });

beforeAll(async () => {
  db = await startPostgres();
  upstream = await startMockOpenAI();
  await db.migrate();
  sampler = new pg.Client(db.url.replace(/\/litellm$/, "/postgres"));
  await sampler.connect();
}, 120_000);

afterAll(async () => {
  await sampler?.end();
  await upstream?.close();
  await db?.destroy();
});

it("a draining worker closes its idle Postgres connections at once, while a request still holds it", async () => {
  const gw = await startGatewayProcess(config(), { env: { DATABASE_URL: db.url }, args: ["--graceful_shutdown_timeout", "60"] });
  const hung = new AbortController();
  try {
    const burst = () => Promise.all(Array.from({ length: 30 }, () => unknownKey(gw.url)));
    await waitFor(async () => (await burst(), (await gatewayConnections()) >= 2), 20_000); // several pooled connections
    const before = await gatewayConnections();
    const inFlight = fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST", signal: hung.signal, headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "hang", messages: [{ role: "user", content: "x" }] }),
    }).catch(() => undefined);
    await waitFor(async () => upstream.requests.some((r) => r.body.model === "hang"), 10_000);
    const worker = Number((await unknownKey(gw.url)).headers.get("x-gatekit-worker"));
    // Signalled directly: execa's kill() would follow with SIGKILL after 5 s and end the drain we look at.
    process.kill(gw.proc.pid!, "SIGTERM"); // the worker drains, held open by the request that never ends
    // Without the shrink its idle connections would stay for the pool's 30 s idle timeout.
    await waitFor(async () => (await gatewayConnections()) <= 1, 10_000);
    console.log(`draining worker: ${before} Postgres connections before the drain, ${await gatewayConnections()} while it finishes`);
    expect(() => process.kill(worker, 0)).not.toThrow(); // still draining
    hung.abort();
    await inFlight;
  } finally {
    hung.abort();
    await gw.stop();
  }
}, 90_000);

it("measured: connections while workers recycle under load (printed; pool × workers, +1 while one drains)", async () => {
  const workers = 2;
  const gw = await startGatewayProcess(config(), { env: { DATABASE_URL: db.url }, workers, args: ["--max_requests_before_restart", "400", "--max_requests_before_restart_jitter", "0"] });
  let most = 0;
  let sampling = true;
  const sample = (async () => {
    while (sampling) most = Math.max(most, await gatewayConnections());
  })();
  const pids = new Set<string>();
  const load = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const r = await unknownKey(gw.url);
      pids.add(r.headers.get("x-gatekit-worker")!);
      await r.arrayBuffer();
    }
  };
  try {
    await Promise.all(Array.from({ length: 24 }, () => load(100)));
  } finally {
    sampling = false;
    await sample;
    await gw.stop();
  }
  console.log(`recycling with pool ${POOL} × ${workers} workers: at most ${most} Postgres connections seen, ${pids.size} worker processes served`);
  expect(pids.size).toBeGreaterThan(workers); // workers were recycled while measured
}, 180_000);
