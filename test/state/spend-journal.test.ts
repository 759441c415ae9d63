// Spend that survives a crash: the whole gateway (primary and workers) is killed with SIGKILL under load against
// a real PostgreSQL, restarted on the same journal, and every 200 the clients got before the kill has its spend
// row — written once, its key's spend counted once — with Postgres up, and with Postgres down at the kill. A
// budget crossed just before a crash is still refused after the restart; spend on one worker counts on another.
import { execa } from "execa";
import http from "node:http";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashKey } from "../../lib/gateway/state/keys.ts";
import { MASTER_KEY } from "../support/gateway.ts";
import { startGatewayProcess, waitFor, type GatewayProcess } from "../support/gateway-process.ts";
import { startMockOpenAI, type MockUpstream } from "../support/mock-openai.ts";
import { startPostgres, type TestPostgres } from "../support/postgres.ts";
import { startRedis } from "../support/redis.ts";

let db: TestPostgres;
let upstream: MockUpstream;

/** 11 prompt + 7 completion tokens from the mock: 0.25 USD a request. */
const COST = 11 * 0.01 + 7 * 0.02;
const config = (batchSeconds: number) => ({
  model_list: [{ model_name: "priced", litellm_params: { model: "openai/custom", api_base: upstream.url, input_cost_per_token: 0.01, output_cost_per_token: 0.02 } }],
  general_settings: { database_url: "os.environ/DATABASE_URL", database_connection_timeout: 2, proxy_batch_write_at: batchSeconds, allow_requests_on_db_unavailable: true },
});

const query = (sql: string, params: unknown[] = []) => db.query(sql, params);

/** One request on its own connection, so the primary hands it to the next worker in turn. */
function once(url: string, key: string, path = "/v1/chat/completions", body: object = { model: "priced", messages: [{ role: "user", content: "x" }] }) {
  return new Promise<{ status: number; id: string; worker: string; body: string }>((resolve, reject) => {
    const req = http.request(`${url}${path}`, { method: "POST", agent: false, headers: { authorization: `Bearer ${key}`, "content-type": "application/json" } }, (res) => {
      let text = "";
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode!, id: String(res.headers["x-litellm-call-id"]), worker: String(res.headers["x-gatekit-worker"]), body: text }));
    });
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

async function generate(url: string, body: object = {}) {
  const r = await once(url, MASTER_KEY, "/key/generate", body);
  return JSON.parse(r.body) as { key: string; token: string };
}

/** SIGKILL to every worker and the primary, back to back: nothing gets to flush or say goodbye. */
async function killAll(gw: GatewayProcess): Promise<void> {
  const { stdout } = await execa("ps", ["-o", "pid=", "--ppid", String(gw.proc.pid)], { reject: false });
  const workers = stdout.split("\n").map((l) => Number(l.trim())).filter(Boolean);
  for (const pid of [...workers, gw.proc.pid!]) process.kill(pid, "SIGKILL");
  await gw.proc;
}

/** Clients on keep-alive connections, each sending the next request when the last is read; the ids of every 200 and when it was read. */
function loadUntil(url: string, key: string, clients: number) {
  const ok: { id: string; at: number }[] = [];
  let failed = 0;
  let stop = false;
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const one = () =>
    new Promise<void>((resolve) => {
      const req = http.request(`${url}/v1/chat/completions`, { method: "POST", agent, headers: { authorization: `Bearer ${key}`, "content-type": "application/json" } }, (res) => {
        res.resume().on("end", () => {
          if (res.statusCode === 200) ok.push({ id: String(res.headers["x-litellm-call-id"]), at: Date.now() });
          else failed++;
          resolve();
        });
        res.on("error", () => resolve());
      });
      req.on("error", () => resolve()); // the kill: in flight, never answered
      req.end(JSON.stringify({ model: "priced", messages: [{ role: "user", content: "x" }] }));
    });
  const loops = Array.from({ length: clients }, async () => {
    while (!stop) await one();
  });
  return { ok, failures: () => failed, stop: async () => ((stop = true), await Promise.all(loops), agent.destroy()) };
}

/** Rows in the database for the key, how many distinct, and the key's stored spend. */
async function stored(token: string) {
  const rows = await query(`SELECT request_id FROM "LiteLLM_SpendLogs" WHERE api_key = $1`, [token]);
  const [key] = await query(`SELECT spend FROM "LiteLLM_VerificationToken" WHERE token = $1`, [token]);
  return { ids: new Set(rows.map((r) => r.request_id as string)), rows: rows.length, keySpend: Number(key.spend) };
}

const segments = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".jsonl"));

/**
 * Load, then SIGKILL mid-load (with Postgres stopped first when `postgresDown`); restart on the same journal,
 * and wait until the journal is replayed. Every 200 must have its row, unless it was read after the kill was
 * sent (in flight), and the key's spend is exactly one COST per row.
 */
async function crashUnderLoad(name: string, postgresDown: boolean) {
  const journal = mkdtempSync(join(tmpdir(), "gatekit-journal-"));
  const env = { DATABASE_URL: db.url, GATEKIT_SPEND_JOURNAL_DIR: journal };
  // Batches every 2 s: some rows land before the kill (their segments trimmed), the rest wait in the journal.
  let gw = await startGatewayProcess(config(2), { workers: 2, env });
  const { key, token } = await generate(gw.url);
  expect((await once(gw.url, key)).status).toBe(200); // both workers may cache the key before an outage
  expect((await once(gw.url, key)).status).toBe(200);
  const load = loadUntil(gw.url, key, 8);
  await new Promise((r) => setTimeout(r, 3000));
  if (postgresDown) {
    await db.stop();
    await new Promise((r) => setTimeout(r, 2500)); // spend keeps accruing with nowhere to go but the journal
  }
  const landedBeforeKill = postgresDown ? -1 : (await stored(token)).rows;
  const killedAt = Date.now();
  await killAll(gw);
  await load.stop();
  const answered = load.ok.filter((r) => r.at <= killedAt);
  const journaled = segments(journal).length;
  // Restart on the same journal; with Postgres down the primary retries the replay until it is back.
  gw = await startGatewayProcess(config(2), { workers: 2, env });
  if (postgresDown) {
    await new Promise((r) => setTimeout(r, 1500));
    await db.start();
  }
  try {
    await waitFor(async () => segments(journal).length === 0, 30_000);
    const after = await stored(token);
    const missing = answered.filter((r) => !after.ids.has(r.id));
    const lastMs = missing.length ? killedAt - Math.min(...missing.map((r) => r.at)) : 0;
    console.log(
      `${name}: ${answered.length + 2} answered 200 before the kill (${load.failures()} failed), ${landedBeforeKill < 0 ? "Postgres down at the kill" : `${landedBeforeKill} rows in Postgres at the kill`}, ` +
        `${journaled} journal segments left; after the restart ${after.rows} rows, ${missing.length} answered without a row` +
        `${missing.length ? ` (read at most ${lastMs} ms before the kill)` : ""}, key spend ${after.keySpend.toFixed(2)} = ${(after.keySpend / COST).toFixed(2)} × ${COST}`,
    );
    expect(load.failures()).toBe(0);
    expect(answered.length).toBeGreaterThan(50);
    expect(missing).toEqual([]);
    // Each row counted once on the key: no row written twice, no replayed row added again.
    expect(after.keySpend).toBeCloseTo(after.rows * COST, 6);
    expect(after.rows).toBeGreaterThanOrEqual(answered.length + 2);
  } finally {
    await gw.stop();
  }
}

beforeAll(async () => {
  db = await startPostgres();
  upstream = await startMockOpenAI();
}, 400_000);

afterAll(async () => {
  await upstream?.close();
  await db?.destroy();
});

describe("the spend journal", () => {
  it("SIGKILL of the whole gateway under load: every 200 answered before the kill has its spend row after the restart, none counted twice", async () => {
    await crashUnderLoad("kill -9, Postgres up", false);
  }, 400_000);

  it("the same with Postgres down at the moment of the kill, and still down when the gateway restarts", async () => {
    await crashUnderLoad("kill -9, Postgres down", true);
  }, 400_000);

  it("a budget crossed just before the crash is still refused after the restart (and without the journal it is not)", async () => {
    const refusedAfterRestart = async (journal: string) => {
      const env = { DATABASE_URL: db.url, GATEKIT_SPEND_JOURNAL_DIR: journal };
      let gw = await startGatewayProcess(config(3600), { workers: 1, env });
      const { key } = await generate(gw.url, { max_budget: 0.5 });
      const before = [await once(gw.url, key), await once(gw.url, key), await once(gw.url, key)].map((r) => r.status);
      await killAll(gw);
      gw = await startGatewayProcess(config(3600), { workers: 1, env });
      try {
        const after = await once(gw.url, key);
        return { before, after: after.status, message: after.body };
      } finally {
        await gw.stop();
      }
    };
    const journaled = await refusedAfterRestart(mkdtempSync(join(tmpdir(), "gatekit-journal-")));
    const without = await refusedAfterRestart("off");
    console.log(`budget 0.5 crossed by 2 × ${COST}, then kill -9 and restart: with the journal ${journaled.after}, without it ${without.after}`);
    expect(journaled.before).toEqual([200, 200, 400]);
    expect(journaled.after).toBe(400);
    expect(journaled.message).toContain("Budget has been exceeded");
    expect(without.before).toEqual([200, 200, 400]);
    expect(without.after).toBe(200); // the spend was only in memory: the crash forgot it
  }, 400_000);

  it("spend on one worker counts against the budget on the others before any batch lands", async () => {
    const gw = await startGatewayProcess(config(3600), { workers: 2, env: { DATABASE_URL: db.url, GATEKIT_SPEND_JOURNAL_DIR: mkdtempSync(join(tmpdir(), "gatekit-journal-")) } });
    try {
      const { key } = await generate(gw.url, { max_budget: 0.5 });
      const seen: string[] = [];
      for (let i = 0; i < 2; i++) {
        const r = await once(gw.url, key);
        seen.push(`${r.worker}:${r.status}`);
        await new Promise((r) => setTimeout(r, 200)); // past the workers' report interval
      }
      const workers = new Set(seen.map((s) => s.split(":")[0]));
      const next = await Promise.all([once(gw.url, key), once(gw.url, key)]);
      console.log(`two workers, budget 0.5: ${seen.join(" ")} then ${next.map((r) => `${r.worker}:${r.status}`).join(" ")}`);
      expect(workers.size).toBe(2);
      expect(seen.map((s) => s.split(":")[1])).toEqual(["200", "200"]);
      expect(next.map((r) => r.status)).toEqual([400, 400]);
      const [row] = await query(`SELECT spend FROM "LiteLLM_VerificationToken" WHERE token = $1`, [hashKey(key)]);
      expect(Number(row.spend)).toBe(0); // nothing landed: the refusal came from the shared, unwritten spend
    } finally {
      await gw.stop();
    }
  }, 300_000);

  it("through Redis, spend on one instance counts against the budget on another before any batch lands", async () => {
    const redis = await startRedis();
    const shared = {
      ...config(3600),
      router_settings: { redis_host: "127.0.0.1", redis_port: redis.port, redis_password: "os.environ/REDIS_PASSWORD" },
    };
    const env = () => ({ DATABASE_URL: db.url, REDIS_PASSWORD: redis.password, GATEKIT_SPEND_JOURNAL_DIR: mkdtempSync(join(tmpdir(), "gatekit-journal-")) });
    const [a, b] = [await startGatewayProcess(shared, { env: env() }), await startGatewayProcess(shared, { env: env() })];
    try {
      const { key } = await generate(a.url, { max_budget: 0.5 });
      const first = [(await once(a.url, key)).status, (await once(b.url, key)).status]; // 0.25 on each instance
      await new Promise((r) => setTimeout(r, 3000)); // a few of the instances' Redis exchanges
      const then = [(await once(a.url, key)).status, (await once(b.url, key)).status];
      console.log(`two instances, budget 0.5: ${first.join(" ")} then ${then.join(" ")}`);
      expect(first).toEqual([200, 200]);
      expect(then).toEqual([400, 400]);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await redis.stop();
    }
  }, 300_000);
});
