// `npm run bench`: the gateway against a bare Node passthrough floor, measured in one run on this machine, with
// the load generator (wrk, else autocannon) in a separate process. Prints RPS, p50, p99 and the gateway/floor
// ratio for whole and streamed chat, a 3-deployment group, streamed Anthropic Messages (translated and native),
// streamed OpenAI Responses (bridged and native), with the GC pause per request of each gateway row (from its /metrics),
// added latency at a fixed 1,000 RPS, time to first
// streamed chunk, and the worker's RSS; then the production path — a virtual key with a Redis rpm limit, spend
// logs journaled and batched into Postgres, metrics — on a second gateway, with the Postgres connections it held
// at most, and the same path with the spend journal off on a third.
// Each gateway row's ratio is to its floor loaded just before it (median of --rounds such pairs).
// Options: --duration S, --rounds N, --connections N, --quick, --soak, --json.
import { execa, type ResultPromise } from "execa";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { request } from "undici";
import pg from "pg";
import { bundleGateway } from "../scripts/bundle-gateway.ts";
import { startPostgres, type TestPostgres } from "../test/support/postgres.ts";
import { startRedis, type TestRedis } from "../test/support/redis.ts";
import { refusedForBusyPorts } from "../test/support/ports.ts";

const { values: args } = parseArgs({
  options: { duration: { type: "string" }, rounds: { type: "string", default: "1" }, connections: { type: "string", default: "32" }, quick: { type: "boolean" }, soak: { type: "boolean" }, json: { type: "boolean" } },
});
const ROUNDS = Math.max(1, Number(args.rounds));
const DURATION = Number(args.duration ?? (args.quick ? 2 : 10));
const CONNECTIONS = Number(args.connections);
const KEY = "sk-bench-0123456789abcdef0123456789abcdef";
const PORTS = { upstream: 18080, upstreamSse: 18083, delayed: 18085, upstreamAnthropic: 18086, floorAnthropic: 18087, floor: 18082, floorSse: 18084, gateway: 18090, health: 18091, production: 18092, productionHealth: 18093, unjournaled: 18094, unjournaledHealth: 18095, upstreamResponses: 18096, floorResponses: 18097 };
const POOL_LIMIT = 10;
const BODY = JSON.stringify({ model: "bench", messages: [{ role: "user", content: "Hello!" }] });
const RESPONSES_BODY = (model: string) => JSON.stringify({ model, input: "Hello!", stream: true, store: false });
const MESSAGES_BODY = (model: string) => JSON.stringify({ model, max_tokens: 256, stream: true, messages: [{ role: "user", content: "Hello!" }] });
const children: ResultPromise[] = [];
const services: { stop(): Promise<void> }[] = [];
const work = mkdtempSync(join(tmpdir(), "gatekit-bench-"));

interface Row { target: string; mode: string; rps: number; p50: number; p99: number; errors: number; ratio?: number; gcUsPerRequest?: number }
/** How a floor row was loaded, to load it again next to each gateway row. */
interface Floor { url: string; model: string; key: string; body?: string }

async function main() {
  // A port held by another process would fail a row late, or worse load that process instead (an earlier run's
  // gateway still up): refused at once. The mock's ports are fixed by the reference nginx config.
  if (await refusedForBusyPorts("npm run bench", Object.values(PORTS))) return;
  process.on("SIGINT", () => stopAll().then(() => process.exit(130)));
  const upstream = await startUpstreams();
  spawn("tsx", ["bench/node-passthrough.ts", String(PORTS.floor), `http://127.0.0.1:${PORTS.upstream}`]);
  spawn("tsx", ["bench/node-passthrough.ts", String(PORTS.floorSse), `http://127.0.0.1:${PORTS.upstreamSse}`]);
  spawn("tsx", ["bench/node-passthrough.ts", String(PORTS.floorAnthropic), `http://127.0.0.1:${PORTS.upstreamAnthropic}`]);
  spawn("tsx", ["bench/mock-upstream.ts", String(PORTS.upstreamResponses), "responses-sse"]);
  spawn("tsx", ["bench/node-passthrough.ts", String(PORTS.floorResponses), `http://127.0.0.1:${PORTS.upstreamResponses}`]);
  await bundleGateway();
  writeFileSync(join(work, "config.yaml"), gatewayConfig());
  spawn("node", ["dist/gateway/gateway.mjs", "--config", join(work, "config.yaml"), "--host", "127.0.0.1", "--port", String(PORTS.gateway), "--num_workers", "1"], {
    LITELLM_MASTER_KEY: KEY, SEPARATE_HEALTH_APP: "1", SEPARATE_HEALTH_PORT: String(PORTS.health), LITELLM_MODE: "PRODUCTION",
  });
  await Promise.all([PORTS.floor, PORTS.floorSse, PORTS.floorAnthropic, PORTS.floorResponses].map((p) => waitHttp(`http://127.0.0.1:${p}/v1/models`)));
  await waitHttp(`http://127.0.0.1:${PORTS.health}/health/readiness`, true);
  const floor = `http://127.0.0.1:${PORTS.floor}/v1/chat/completions`;
  const gateway = `http://127.0.0.1:${PORTS.gateway}/v1/chat/completions`;
  const workerPid = await gatewayWorkerPid(gateway);
  const rssBefore = rssMb(workerPid);

  const rows: Row[] = [];
  /**
   * A floor row, or a gateway row against its floor: each of ROUNDS rounds loads the floor again just before
   * the gateway, and the ratio is the median of those neighbours' ratios — on a shared machine, two loads
   * minutes apart differ more than the gateway and the floor do.
   */
  const measure = async (target: string, mode: string, url: string, model: string, floor?: Floor, key = KEY, body?: string): Promise<Floor> => {
    await load(url, model, 1, key, body); // warm-up
    if (!floor) {
      rows.push({ target, mode, ...(await load(url, model, DURATION, key, body)) });
      return { url, model, key, body };
    }
    const rounds: { run: Omit<Row, "target" | "mode">; ratio: number }[] = [];
    const gcBefore = await gcAndRequests(url);
    for (let i = 0; i < ROUNDS; i++) {
      const f = await load(floor.url, floor.model, DURATION, floor.key, floor.body);
      const run = await load(url, model, DURATION, key, body);
      rounds.push({ run, ratio: run.rps / f.rps });
    }
    const gcAfter = await gcAndRequests(url);
    const middle = [...rounds].sort((a, b) => a.ratio - b.ratio)[Math.floor(rounds.length / 2)]!;
    const gcUsPerRequest = (1e6 * (gcAfter.gcSeconds - gcBefore.gcSeconds)) / (gcAfter.requests - gcBefore.requests);
    rows.push({ target, mode, ...middle.run, ratio: middle.ratio, gcUsPerRequest });
    return { url, model, key, body };
  };
  const floorJson = await measure("node passthrough (floor)", "chat", floor, "bench");
  await measure("gatekit gateway", "chat", gateway, "bench", floorJson);
  await measure("gatekit gateway, group of 3", "chat", gateway, "bench3", floorJson);
  const floorSse = await measure("node passthrough (floor)", "chat stream", `http://127.0.0.1:${PORTS.floorSse}/v1/chat/completions`, "bench-stream");
  await measure("gatekit gateway", "chat stream", gateway, "bench-stream", floorSse);
  // Anthropic Messages, streamed: translated from the OpenAI-format stream above, and relayed from an Anthropic-format one.
  const messages = `http://127.0.0.1:${PORTS.gateway}/v1/messages`;
  await measure("gatekit gateway, OpenAI-format upstream (translated)", "messages stream", messages, "bench-stream", floorSse, KEY, MESSAGES_BODY("bench-stream"));
  const floorAnthropic = await measure("node passthrough (floor)", "messages stream", `http://127.0.0.1:${PORTS.floorAnthropic}/v1/messages`, "bench-anthropic", undefined, KEY, MESSAGES_BODY("bench-anthropic"));
  await measure("gatekit gateway, Anthropic-format upstream (native)", "messages stream", messages, "bench-anthropic", floorAnthropic, KEY, MESSAGES_BODY("bench-anthropic"));
  // OpenAI Responses, streamed: bridged from an OpenAI-compatible chat stream (hosted_vllm/, floor: the chat
  // stream's), and relayed from an openai/ upstream speaking it (floor: the same bytes through the passthrough).
  const responses = `http://127.0.0.1:${PORTS.gateway}/v1/responses`;
  await measure("gatekit gateway, chat upstream (bridged)", "responses stream", responses, "bench-bridged-stream", floorSse, KEY, RESPONSES_BODY("bench-bridged-stream"));
  const floorResponses = await measure("node passthrough (floor)", "responses stream", `http://127.0.0.1:${PORTS.floorResponses}/v1/responses`, "bench-responses", undefined, KEY, RESPONSES_BODY("bench-responses"));
  await measure("gatekit gateway, Responses upstream (native)", "responses stream", responses, "bench-responses", floorResponses, KEY, RESPONSES_BODY("bench-responses"));

  const fixed = { floor: await fixedRate(floor), gateway: await fixedRate(gateway) };
  const ttfb = await firstChunk();
  const rssAfter = rssMb(workerPid);
  const soak = args.soak ? await soakRss(gateway, workerPid) : undefined;

  const production = await startProductionGateway();
  const peak = production.watchConnections();
  await measure("gatekit production path, master key", "chat", production.url, "bench", floorJson);
  await measure("gatekit production path, virtual key + rpm limit", "chat", production.url, "bench", floorJson, production.key);
  const productionPath = { maxPgConnections: await peak.stop(), poolTimesWorkers: POOL_LIMIT, spendRows: await production.spendRows() };
  // The same path without the spend journal, on its own gateway against the same Postgres and Redis.
  const unjournaled = await production.without();
  await measure("gatekit production path, virtual key + rpm limit, no spend journal", "chat", unjournaled.url, "bench", floorJson, unjournaled.key);
  const result = { machine: `${(await import("node:os")).cpus().length} cores`, upstream, durationSeconds: DURATION, rounds: ROUNDS, connections: CONNECTIONS, rows, fixedRate1000: fixed, firstChunkMs: ttfb, workerRssMb: { before: rssBefore, after: rssAfter }, productionPath, soak };
  if (args.json) console.log(JSON.stringify(result, null, 2));
  else print(result);
}

function gatewayConfig(): string {
  const dep = (name: string, port: number, extra = "") => `  - model_name: ${name}\n    litellm_params: { model: openai/gpt-4o-mini, api_base: "http://127.0.0.1:${port}/v1"${extra} }\n`;
  const anthropic = `  - model_name: bench-anthropic\n    litellm_params: { model: anthropic/claude-mock, api_base: "http://127.0.0.1:${PORTS.upstreamAnthropic}", api_key: bench-key }\n`;
  // hosted_vllm/: an OpenAI-compatible chat server without the Responses API, so /v1/responses is bridged
  const bridged = `  - model_name: bench-bridged-stream\n    litellm_params: { model: hosted_vllm/gpt-4o-mini, api_base: "http://127.0.0.1:${PORTS.upstreamSse}/v1" }\n`;
  return `model_list:\n${anthropic}${bridged}${dep("bench", PORTS.upstream)}${dep("bench-stream", PORTS.upstreamSse)}${dep("bench-responses", PORTS.upstreamResponses)}${dep("bench-delayed", PORTS.delayed)}${[1, 2, 3].map((w) => dep("bench3", PORTS.upstream, `, weight: ${w}`)).join("")}general_settings: { master_key: os.environ/LITELLM_MASTER_KEY }\n`;
}

async function startUpstreams(): Promise<string> {
  spawn("tsx", ["bench/mock-upstream.ts", String(PORTS.delayed), "delayed"]);
  spawn("tsx", ["bench/mock-upstream.ts", String(PORTS.upstreamAnthropic), "anthropic-sse"]);
  const conf = new URL("../../shared/bench/mock-upstream.nginx.conf", import.meta.url).pathname;
  const nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"].find(existsSync);
  if (nginx && existsSync(conf)) {
    mkdirSync(join(work, "logs"), { recursive: true });
    spawn(nginx, ["-p", work, "-c", conf]);
    await waitHttp(`http://127.0.0.1:${PORTS.upstream}/v1/models`);
    return "nginx (shared/bench/mock-upstream.nginx.conf)";
  }
  spawn("tsx", ["bench/mock-upstream.ts", String(PORTS.upstream), "json"]);
  spawn("tsx", ["bench/mock-upstream.ts", String(PORTS.upstreamSse), "sse"]);
  await waitHttp(`http://127.0.0.1:${PORTS.upstream}/v1/models`);
  return "node mock (bench/mock-upstream.ts)";
}

/**
 * The full production path on its own gateway (one worker, like the first): Postgres for keys and spend
 * (batches every 5 s, each row in the spend journal first), Redis for a virtual key's rpm limit (high enough
 * never to refuse: it is the check that is measured), metrics as always. `without()` starts the same path
 * with the journal off, for comparison.
 */
async function startProductionGateway() {
  const [db, redis] = await Promise.all([startPostgres(), startRedis()]);
  services.push({ stop: () => db.destroy() }, redis);
  const first = await productionGateway(db, redis, PORTS.production, PORTS.productionHealth, join(work, "spend-journal"));
  return {
    ...first, watchConnections: () => watchConnections(db), spendRows: () => countRows(db, `SELECT count(*)::int AS n FROM "LiteLLM_SpendLogs"`),
    without: () => productionGateway(db, redis, PORTS.unjournaled, PORTS.unjournaledHealth, "off"),
  };
}

async function productionGateway(db: TestPostgres, redis: TestRedis, port: number, healthPort: number, journal: string) {
  const config = `${gatewayConfig()}  database_url: os.environ/DATABASE_URL
  database_connection_pool_limit: ${POOL_LIMIT}
  proxy_batch_write_at: 5
  allow_requests_on_db_unavailable: true
router_settings: { redis_host: 127.0.0.1, redis_port: ${redis.port}, redis_password: os.environ/REDIS_PASSWORD }
`;
  writeFileSync(join(work, "production.yaml"), config.replace("general_settings: { master_key: os.environ/LITELLM_MASTER_KEY }\n", "general_settings:\n  master_key: os.environ/LITELLM_MASTER_KEY\n"));
  spawn("node", ["dist/gateway/gateway.mjs", "--config", join(work, "production.yaml"), "--host", "127.0.0.1", "--port", String(port), "--num_workers", "1"], {
    LITELLM_MASTER_KEY: KEY, SEPARATE_HEALTH_APP: "1", SEPARATE_HEALTH_PORT: String(healthPort), LITELLM_MODE: "PRODUCTION",
    DATABASE_URL: db.url, REDIS_PASSWORD: redis.password, GATEKIT_SPEND_JOURNAL_DIR: journal,
  });
  await waitHttp(`http://127.0.0.1:${healthPort}/health/readiness`, true, 60_000); // migrations first
  const url = `http://127.0.0.1:${port}/v1/chat/completions`;
  const generated = await fetch(`http://127.0.0.1:${port}/key/generate`, {
    method: "POST", headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" }, body: JSON.stringify({ key_alias: "bench", rpm_limit: 1_000_000_000 }),
  });
  const key = ((await generated.json()) as { key: string }).key;
  return { url, key };
}

/** Samples the gateway's Postgres connections (every client backend but the sampler's) until stopped; the most seen. */
function watchConnections(db: TestPostgres) {
  let max = 0;
  const client = new pg.Client(db.url);
  const ready = client.connect();
  let sampling = Promise.resolve();
  const timer = setInterval(() => {
    sampling = ready
      .then(() => client.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()`))
      .then(({ rows }) => void (max = Math.max(max, rows[0].n)), () => {}); // a failed sample is only a missed one
  }, 200);
  // The sample in flight finishes before the sampler's connection closes.
  return { stop: async () => (clearInterval(timer), await sampling, await client.end(), max) };
}

async function countRows(db: TestPostgres, sql: string): Promise<number> {
  await new Promise((r) => setTimeout(r, 6000)); // the last batch
  const client = new pg.Client(db.url);
  await client.connect();
  try {
    return (await client.query(sql)).rows[0].n;
  } finally {
    await client.end();
  }
}

/** One load run in a separate process: wrk when installed, else autocannon's CLI. */
async function load(url: string, model: string, seconds: number, key = KEY, payload?: string): Promise<Omit<Row, "target" | "mode">> {
  const body = payload ?? BODY.replace('"bench"', model.endsWith("-stream") ? `"${model}", "stream": true` : `"${model}"`);
  if (existsSync("/usr/bin/wrk")) {
    const script = join(work, "chat.lua");
    writeFileSync(script, `wrk.method="POST"\nwrk.headers["Content-Type"]="application/json"\nwrk.headers["Authorization"]="Bearer ${key}"\nwrk.body='${body}'\n`);
    const r = await execa("wrk", ["-t1", `-c${CONNECTIONS}`, `-d${seconds}s`, "--latency", "-s", script, url]);
    const ms = (label: string) => toMs(new RegExp(`^\\s*${label}%\\s+([\\d.]+\\w+)`, "m").exec(r.stdout)?.[1] ?? "0ms");
    const errors = Number(/Non-2xx or 3xx responses: (\d+)/.exec(r.stdout)?.[1] ?? 0) + Number(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(r.stdout)?.slice(1).reduce((a, b) => a + Number(b), 0) ?? 0);
    return { rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)![1]), p50: ms("50"), p99: ms("99"), errors };
  }
  const r = await execa("npx", ["autocannon", "-j", "-c", String(CONNECTIONS), "-d", String(seconds), "-m", "POST", "-H", "content-type=application/json", "-H", `authorization=Bearer ${key}`, "-b", body, url]);
  const j = JSON.parse(r.stdout);
  return { rps: j.requests.average, p50: j.latency.p50, p99: j.latency.p99, errors: j.errors + j.non2xx };
}

const toMs = (v: string) => {
  const [, n, unit] = /([\d.]+)(\w+)/.exec(v)!;
  return Number(n) * ({ us: 0.001, ms: 1, s: 1000 } as Record<string, number>)[unit!]!;
};

/** Latency at a fixed 1,000 RPS (an open-loop rate, not saturation). */
async function fixedRate(url: string) {
  const r = await autocannon({ url, method: "POST", body: BODY, connections: 16, overallRate: 1000, duration: Math.max(3, DURATION), headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` } });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx };
}

/** Time from request to the first streamed chunk, direct to the (50 ms-delayed) upstream and through the gateway. */
async function firstChunk() {
  const timeTo = async (url: string, headers: Record<string, string>) => {
    const samples: number[] = [];
    for (let i = 0; i < (args.quick ? 30 : 200); i++) {
      const t0 = performance.now();
      const r = await request(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: BODY.replace('"bench"', '"bench-delayed", "stream": true') });
      for await (const _ of r.body) {
        samples.push(performance.now() - t0);
        break;
      }
      await r.body.dump();
    }
    return percentile(samples, 50);
  };
  const direct = await timeTo(`http://127.0.0.1:${PORTS.delayed}/v1/chat/completions`, {});
  const through = await timeTo(`http://127.0.0.1:${PORTS.gateway}/v1/chat/completions`, { authorization: `Bearer ${KEY}` });
  return { direct, gateway: through, added: through - direct };
}

async function soakRss(url: string, pid: number) {
  const samples: { requests: number; rssMb: number }[] = [];
  for (let done = 100_000; done <= 1_000_000; done += 100_000) {
    await autocannon({ url, method: "POST", body: BODY, connections: CONNECTIONS, amount: 100_000, headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` } });
    samples.push({ requests: done, rssMb: rssMb(pid) });
    console.error(`soak: ${done} requests, worker RSS ${rssMb(pid).toFixed(1)} MB`);
  }
  return samples;
}

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;

/** The gateway's GC pauses (seconds, every kind) and requests answered so far, from its /metrics. */
async function gcAndRequests(url: string): Promise<{ gcSeconds: number; requests: number }> {
  const text = await (await fetch(new URL("/metrics", url), { headers: { authorization: `Bearer ${KEY}` } })).text();
  const sum = (name: string) => text.split("\n").filter((l) => l.startsWith(`${name}{`)).reduce((n, l) => n + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
  return { gcSeconds: sum("nodejs_gc_duration_seconds_sum"), requests: sum("litellm_proxy_total_requests_metric_total") };
}

async function gatewayWorkerPid(url: string): Promise<number> {
  const r = await request(url, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` }, body: BODY });
  await r.body.dump();
  return Number(r.headers["x-gatekit-worker"]);
}

function spawn(cmd: string, argv: string[], env: Record<string, string> = {}) {
  const bin = cmd === "tsx" ? "node_modules/.bin/tsx" : cmd;
  const child = execa(bin, argv, { env, reject: false, stdio: "ignore" });
  children.push(child);
  return child;
}

/** Waits until `url` answers (with a 2xx when `ok` is asked for). */
async function waitHttp(url: string, ok = false, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      const r = await fetch(url);
      await r.arrayBuffer();
      if (r.ok || !ok) return;
      await new Promise((r) => setTimeout(r, 100));
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

async function stopAll() {
  for (const c of children) c.kill("SIGTERM");
  await Promise.allSettled(children);
  await Promise.allSettled(services.map((s) => s.stop()));
}

function print(r: {
  machine: string; upstream: string; durationSeconds: number; rounds: number; connections: number; rows: Row[]; fixedRate1000: Record<string, { p50: number; p99: number }>;
  firstChunkMs: { direct: number; gateway: number; added: number }; workerRssMb: { before: number; after: number };
  productionPath: { maxPgConnections: number; poolTimesWorkers: number; spendRows: number };
}) {
  console.log(`gatekit bench — ${r.machine}, ${r.connections} connections, ${r.durationSeconds} s per load, vs floor: median of ${r.rounds} round(s) of floor then gateway, upstream: ${r.upstream}\n`);
  console.log("| target | mode | RPS | p50 ms | p99 ms | errors | vs floor | GC µs/request |\n|---|---|---:|---:|---:|---:|---:|---:|");
  for (const row of r.rows) {
    const gc = row.gcUsPerRequest === undefined ? "" : row.gcUsPerRequest.toFixed(1);
    console.log(`| ${row.target} | ${row.mode} | ${row.rps.toFixed(0)} | ${row.p50.toFixed(2)} | ${row.p99.toFixed(2)} | ${row.errors} | ${row.ratio ? row.ratio.toFixed(2) : "1.00"} | ${gc} |`);
  }
  const f = r.fixedRate1000;
  console.log(`\nat 1,000 RPS: floor p50 ${f.floor!.p50} ms / p99 ${f.floor!.p99} ms; gateway p50 ${f.gateway!.p50} ms / p99 ${f.gateway!.p99} ms; added p99 ${(f.gateway!.p99 - f.floor!.p99).toFixed(2)} ms`);
  console.log(`first streamed chunk (upstream waits 50 ms): direct ${r.firstChunkMs.direct.toFixed(2)} ms, through the gateway ${r.firstChunkMs.gateway.toFixed(2)} ms, added ${r.firstChunkMs.added.toFixed(2)} ms (median)`);
  console.log(`gateway worker RSS: ${r.workerRssMb.before.toFixed(1)} MB before, ${r.workerRssMb.after.toFixed(1)} MB after the runs`);
  const p = r.productionPath;
  console.log(`production path: at most ${p.maxPgConnections} Postgres connections (pool × workers = ${p.poolTimesWorkers}); ${p.spendRows} spend rows written`);
}

try {
  await main();
} finally {
  await stopAll();
}
