// `npm run bench:compare -- <git ref>`: the gateway of the working tree against the gateway of an earlier commit,
// on the same machine in the same minutes — the question "is it slower than before?" that a shared, noisy
// machine can't answer from two `npm run bench` runs made at different times. Both gateways (bundled, one
// worker, master key) run side by side against the nginx mock; each round loads one then the other with wrk
// (the order alternating), and the ratio new/old is the median of the rounds'. Rows: whole chat, streamed chat,
// streamed Messages translated from the chat stream, streamed Responses bridged from it (skipped for a ref
// that does not serve them).
// With --instructions, each gateway runs under valgrind's callgrind instead and a row is the instructions its
// worker's main thread executes per request (after a warm-up), which no neighbour on the machine can move:
// the answer when a change is smaller than the load's noise. (Background threads — concurrent GC marking, JIT
// compiles — are left out; a major GC that falls in the window still counts.) The floor (the reference bare Node
// passthrough, ../shared/bench/node-passthrough.mjs) is counted the same way, so each row also reads as a ratio
// to the floor that no neighbour moves; as in `npm run bench`, the whole chat's floor relays the whole chat and
// every streamed row's floor the chat stream.
// Options: --rounds N (5), --duration S per load (5), --connections N (32); --instructions with --warmup N
// (15000; after 5000, JIT tiering was still under way in some rows and two runs of one commit differed by up
// to 4%, after 15000 by up to 2%) and --requests N (3000) per row.
import { execa, type ResultPromise } from "execa";
import { build } from "esbuild";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { Pool } from "undici";
import { bundleGateway, OUTFILE } from "../scripts/bundle-gateway.ts";
import { refusedForBusyPorts } from "../test/support/ports.ts";

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: "string", default: "5" }, duration: { type: "string", default: "5" }, connections: { type: "string", default: "32" },
    instructions: { type: "boolean" }, warmup: { type: "string", default: "15000" }, requests: { type: "string", default: "3000" },
  },
});
const ref = positionals[0];
if (!ref) {
  console.error("usage: npm run bench:compare -- <git ref> [--rounds N] [--duration S] [--connections N] [--instructions [--warmup N] [--requests N]]");
  process.exit(2);
}
const KEY = "sk-bench-0123456789abcdef0123456789abcdef";
const PORTS = { new: 18190, newHealth: 18191, old: 18192, oldHealth: 18193, floorChat: 18194, floorStream: 18195 };
const CHAT = "/v1/chat/completions";
const WHOLE = { mode: "chat", path: CHAT, body: JSON.stringify({ model: "bench", messages: [{ role: "user", content: "Hello!" }] }), floor: PORTS.floorChat };
const STREAM = { mode: "chat stream", path: CHAT, body: JSON.stringify({ model: "bench-stream", stream: true, messages: [{ role: "user", content: "Hello!" }] }), floor: PORTS.floorStream };
const ROWS = [
  WHOLE,
  STREAM,
  { mode: "messages stream, translated", path: "/v1/messages", body: JSON.stringify({ model: "bench-stream", max_tokens: 256, stream: true, messages: [{ role: "user", content: "Hello!" }] }), floor: PORTS.floorStream },
  { mode: "responses stream, bridged", path: "/v1/responses", body: JSON.stringify({ model: "bench-bridged", input: "Hello!", stream: true, store: false }), floor: PORTS.floorStream },
];
type Row = (typeof ROWS)[number];
/** The floor's rows: it relays whatever its upstream answers (the mock's whole chat or its chat stream). */
const FLOORS = [{ row: WHOLE, upstream: 18080 }, { row: STREAM, upstream: 18083 }];
const work = mkdtempSync(join(tmpdir(), "gatekit-compare-"));
const children: ResultPromise[] = [];

/** The gateway of `ref`, bundled from a detached worktree with this checkout's node_modules. */
async function bundleRef(): Promise<string> {
  const tree = join(work, "tree");
  await execa("git", ["worktree", "add", "--detach", tree, ref!]);
  try {
    const out = join(work, "old-gateway.mjs");
    await build({
      entryPoints: [join(tree, "lib/gateway/main.ts")], outfile: out, bundle: true, platform: "node", format: "esm", target: "node20", minify: true,
      nodePaths: [resolve("node_modules")], logLevel: "error", external: ["@electric-sql/pglite", "@electric-sql/pglite-socket"],
      banner: { js: "import { createRequire as __gatekitRequire } from 'node:module'; const require = __gatekitRequire(import.meta.url);" },
    });
    return out;
  } finally {
    await execa("git", ["worktree", "remove", "--force", tree]);
  }
}

/** valgrind's callgrind, instrumentation off until a row's requests run (JIT-compiled code is 50× slower under it). */
const callgrind = (port: number, traceChildren: boolean) =>
  ["--tool=callgrind", "--instr-atstart=no", "--separate-threads=yes", "--smc-check=all-non-file", `--trace-children=${traceChildren ? "yes" : "no"}`, `--callgrind-out-file=${join(work, `callgrind.${port}.%p`)}`];

function start(file: string, port: number, health: number): ResultPromise {
  const config = join(work, "config.yaml");
  const gateway = [file, "--config", config, "--host", "127.0.0.1", "--port", String(port), "--num_workers", "1"];
  const [command, argv] = args.instructions ? ["valgrind", [...callgrind(port, true), "node", ...gateway]] : ["node", gateway];
  const child = execa(command, argv, {
    env: { LITELLM_MASTER_KEY: KEY, SEPARATE_HEALTH_APP: "1", SEPARATE_HEALTH_PORT: String(health), LITELLM_MODE: "PRODUCTION" }, reject: false, stdio: "ignore",
  });
  children.push(child);
  return child;
}

/** The reference floor (one process, no workers) under callgrind, relaying to one of the mock's ports. */
function startFloor(port: number, upstream: number): ResultPromise {
  const child = execa("valgrind", [...callgrind(port, false), "node", resolve("../shared/bench/node-passthrough.mjs")], {
    env: { PORT: String(port), UPSTREAM: `http://127.0.0.1:${upstream}` }, reject: false, stdio: "ignore",
  });
  children.push(child);
  return child;
}

/** Until the gateway answers its model list, or the floor relays an answer (it serves no routes of its own). */
async function waitReady(port: number, floorRow?: Row): Promise<void> {
  const seconds = args.instructions ? 300 : 20; // a gateway under valgrind starts in about 30 s
  const ask = () => (floorRow ? serves(port, floorRow) : fetch(`http://127.0.0.1:${port}/v1/models`, { headers: { authorization: `Bearer ${KEY}` } }).then((r) => r.ok));
  for (let i = 0; i < seconds * 10; i++) {
    if (await ask().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${floorRow ? "the floor" : "the gateway"} on port ${port} did not answer within ${seconds} s`);
}

async function rps(port: number, { path, body }: Row, seconds: number): Promise<number> {
  const script = join(work, "load.lua");
  writeFileSync(script, `wrk.method="POST"\nwrk.headers["Content-Type"]="application/json"\nwrk.headers["Authorization"]="Bearer ${KEY}"\nwrk.body='${body}'\n`);
  const r = await execa("wrk", ["-t1", `-c${args.connections}`, `-d${seconds}s`, "-s", script, `http://127.0.0.1:${port}${path}`]);
  if (/Non-2xx/.test(r.stdout)) throw new Error(`errors under load on port ${port}:\n${r.stdout}`);
  return Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)![1]);
}

/** A ref from before a surface existed (or a config form it lacks) answers its route with an error. */
async function serves(port: number, { path, body }: Row): Promise<boolean> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, { method: "POST", headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" }, body });
  await r.arrayBuffer();
  return r.ok;
}

/** `count` requests of the row, 8 at a time over keep-alive; any answer but a 200 fails the run. */
async function fire(pool: Pool, { path, body }: Row, count: number): Promise<void> {
  let left = count;
  const headers = { authorization: `Bearer ${KEY}`, "content-type": "application/json" };
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (left-- > 0) {
      const r = await pool.request({ path, method: "POST", headers, body });
      await r.body.text();
      if (r.statusCode !== 200) throw new Error(`${path} answered ${r.statusCode} under callgrind`);
    }
  }));
}

/** Instructions per request on the main thread of `pid` (a gateway's worker, or the floor): instrumented only while the row's requests run. */
async function instructions(port: number, pid: number, row: Row): Promise<number> {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 8 });
  try {
    await fire(pool, row, Number(args.warmup));
    await execa("callgrind_control", ["--instr=on", String(pid)]);
    await fire(pool, row, Number(args.requests));
    await execa("callgrind_control", ["--instr=off", String(pid)]);
    const before = new Set(readdirSync(work));
    await execa("callgrind_control", ["--dump", String(pid)]);
    // the dump of the main thread (-01) holds what ran since the last dump: this row's requests
    const file = readdirSync(work).find((f) => !before.has(f) && f.startsWith(`callgrind.${port}.${pid}.`) && f.endsWith("-01"));
    if (!file) throw new Error(`callgrind wrote no dump for the process on port ${port}`);
    const totals = /^totals: (\d+)/m.exec(readFileSync(join(work, file), "utf8"));
    return Number(totals![1]) / Number(args.requests);
  } finally {
    await pool.close();
  }
}

/** The forked worker of a gateway started under valgrind: its one child process. */
async function workerOf(primary: ResultPromise): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const { stdout } = await execa("pgrep", ["-P", String(primary.pid)], { reject: false });
    const pid = Number(stdout.trim().split("\n")[0]);
    if (pid) return pid;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("the gateway forked no worker under valgrind");
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  if (!args.instructions && !existsSync("/usr/bin/wrk")) throw new Error("wrk is not installed: apt-get install wrk");
  if (args.instructions && !existsSync("/usr/bin/valgrind")) throw new Error("valgrind is not installed: apt-get install valgrind");
  const nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"].find(existsSync);
  if (!nginx) throw new Error("nginx is not installed: apt-get install nginx");
  if (await refusedForBusyPorts("npm run bench:compare", [...Object.values(PORTS), 18080, 18083])) return; // 18080, 18083: the reference mock's
  mkdirSync(join(work, "logs"));
  children.push(execa(nginx, ["-p", work, "-c", resolve("../shared/bench/mock-upstream.nginx.conf")], { reject: false, stdio: "ignore" }));
  const dep = (name: string, port: number) => `  - model_name: ${name}\n    litellm_params: { model: openai/gpt-4o-mini, api_base: "http://127.0.0.1:${port}/v1" }\n`;
  // hosted_vllm/: an OpenAI-compatible chat server without the Responses API, so /v1/responses is bridged
  const bridged = `  - model_name: bench-bridged\n    litellm_params: { model: hosted_vllm/gpt-4o-mini, api_base: "http://127.0.0.1:18083/v1" }\n`;
  writeFileSync(join(work, "config.yaml"), `model_list:\n${dep("bench", 18080)}${dep("bench-stream", 18083)}${bridged}general_settings: { master_key: os.environ/LITELLM_MASTER_KEY }\n`);
  const old = await bundleRef();
  await bundleGateway();
  const gateways = [start(resolve(OUTFILE), PORTS.new, PORTS.newHealth), start(old, PORTS.old, PORTS.oldHealth)];
  await Promise.all([waitReady(PORTS.new), waitReady(PORTS.old)]);
  if (args.instructions) return compareInstructions(await workerOf(gateways[0]!), await workerOf(gateways[1]!), await floorInstructions());
  const seconds = Number(args.duration);
  const rounds = Number(args.rounds);
  console.log(`gatekit bench:compare — working tree vs ${ref}, ${rounds} alternating rounds of ${seconds} s, ${args.connections} connections\n`);
  console.log("| mode | RPS new (median) | RPS old (median) | new / old (median of rounds) | range |\n|---|---:|---:|---:|---|");
  for (const row of ROWS) {
    if (!(await serves(PORTS.old, row))) {
      console.log(`| ${row.mode} | | | ${ref} does not serve it | |`);
      continue;
    }
    await rps(PORTS.new, row, 2); // warm-up
    await rps(PORTS.old, row, 2);
    const pairs: [number, number][] = [];
    for (let i = 0; i < rounds; i++) {
      const first = i % 2 ? PORTS.old : PORTS.new;
      const a = await rps(first, row, seconds);
      const b = await rps(first === PORTS.new ? PORTS.old : PORTS.new, row, seconds);
      pairs.push(first === PORTS.new ? [a, b] : [b, a]);
    }
    const ratios = pairs.map(([n, o]) => n / o);
    console.log(`| ${row.mode} | ${median(pairs.map((p) => p[0])).toFixed(0)} | ${median(pairs.map((p) => p[1])).toFixed(0)} | ${median(ratios).toFixed(2)} | ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)} |`);
  }
}

/** The floor's instructions per request for each of its rows. */
async function floorInstructions(): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  for (const { row, upstream } of FLOORS) {
    const floor = startFloor(row.floor, upstream);
    await waitReady(row.floor, row);
    counts.set(row.floor, await instructions(row.floor, floor.pid!, row));
    floor.kill("SIGTERM");
  }
  return counts;
}

/**
 * The rows as instructions per request, one process measured at a time: a count doesn't mind a neighbour's
 * load, but two processes compiling at once delay each other's JIT, and the later code runs more instructions.
 */
async function compareInstructions(newWorker: number, oldWorker: number, floor: Map<number, number>): Promise<void> {
  console.log(`gatekit bench:compare — working tree vs ${ref}, instructions per request on the gateway worker's main thread (callgrind), ${args.requests} requests after ${args.warmup}\n`);
  console.log("| mode | instructions new | instructions old | new / old | floor | floor / new |\n|---|---:|---:|---:|---:|---:|");
  for (const row of ROWS) {
    const f = floor.get(row.floor)!;
    const n = await instructions(PORTS.new, newWorker, row);
    if (!(await serves(PORTS.old, row))) {
      console.log(`| ${row.mode} | ${Math.round(n)} | | ${ref} does not serve it | ${Math.round(f)} | ${(f / n).toFixed(3)} |`);
      continue;
    }
    const o = await instructions(PORTS.old, oldWorker, row);
    console.log(`| ${row.mode} | ${Math.round(n)} | ${Math.round(o)} | ${(n / o).toFixed(3)} | ${Math.round(f)} | ${(f / n).toFixed(3)} |`);
  }
}

try {
  await main();
} finally {
  for (const c of children) c.kill("SIGTERM");
  await Promise.allSettled(children);
  rmSync(work, { recursive: true, force: true });
}
