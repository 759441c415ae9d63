// A gateway started while Postgres is down (allow_requests_on_db_unavailable) prepares the database — the
// migrations, the salt key check — once it comes up, and stops as at start when the salt key is wrong.
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { checkSaltKey } from "../../lib/gateway/state/credentials.ts";
import { createPool, migrate } from "../../lib/gateway/state/db.ts";
import { MASTER_KEY } from "../support/gateway.ts";
import { startGatewayProcess, waitFor, type GatewayProcess } from "../support/gateway-process.ts";
import { startPostgres, type TestPostgres } from "../support/postgres.ts";

let db: TestPostgres;
let gw: GatewayProcess | undefined;
const config = (extra: object = {}) => ({
  model_list: [{ model_name: "gpt-4o-mini", litellm_params: { model: "openai/gpt-4o-mini", mock_response: "hi" } }],
  general_settings: { database_url: "os.environ/DATABASE_URL", database_connection_timeout: 2, proxy_batch_write_at: 1, allow_requests_on_db_unavailable: true, ...extra },
});
const post = (path: string, body: object, key = MASTER_KEY) =>
  fetch(`${gw!.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify(body) });

beforeAll(async () => {
  db = await startPostgres();
  await db.stop();
}, 120_000);

afterAll(async () => {
  await gw?.stop();
  await db?.destroy();
});

it("migrates once Postgres is up, and keys work from then on", async () => {
  gw = await startGatewayProcess(config(), { env: { DATABASE_URL: db.url }, workers: 2 });
  expect((await post("/key/generate", {})).status).not.toBe(200);
  await db.start();
  let key = "";
  await waitFor(async () => {
    const r = await post("/key/generate", {});
    if (r.status === 200) key = ((await r.json()) as { key: string }).key;
    return r.status === 200;
  }, 60_000, () => gw!.proc.exitCode !== null);
  const chat = await post("/v1/chat/completions", { model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] }, key);
  const client = new pg.Client(db.url);
  await client.connect();
  const versions = (await client.query(`SELECT version FROM gatekit_migrations ORDER BY version`)).rows.map((r) => r.version);
  await client.end();
  expect(chat.status).toBe(200);
  expect(versions).toEqual([1, 2, 3, 4]);
  await gw.stop();
  gw = undefined;
}, 120_000);

it("stops with the salt key error when the database it finds later was written with another salt key", async () => {
  const pool = createPool(db.url, { max: 1, connectionTimeoutMs: 5000 });
  await migrate(pool);
  await checkSaltKey(pool, "sk-salt-the-data-was-written-with", true);
  await pool.end();
  await db.stop();
  gw = await startGatewayProcess(config({ store_model_in_db: true }), { env: { DATABASE_URL: db.url, LITELLM_SALT_KEY: "sk-another-salt-key" } });
  await db.start();
  const result = await gw.proc;
  expect(result.exitCode).toBe(1);
  expect(result.all).toMatch(/LITELLM_SALT_KEY is not the salt key the stored credentials were encrypted with/);
  expect(result.all).not.toContain("sk-another-salt-key");
  gw = undefined;
}, 120_000);
