// `npm run bench:cli`: how long the compiled `gatekit` takes as a user runs it (`node bin/gatekit.js …`, a cold
// process each time): the median wall time of a few runs against its goal, and the median CPU time (user + sys
// of the process tree), which a busy shared machine inflates less than the wall time. Then `npm start`'s
// gateway (`gatekit gateway --env dev`): time to ready on the very first start (a new data folder: the
// embedded database is created) and on a warm one, and the primary's RSS once ready.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseEnv } from "node:util";
import { freePort } from "../test/support/ports.ts";

const runs = Number(process.argv[2] ?? 5);
// validate reads secret values: .env.example's are what a newcomer's .env starts as.
const env = { ...process.env, ...(parseEnv(readFileSync(".env.example", "utf8")) as Record<string, string>) };
const out = mkdtempSync(join(tmpdir(), "gatekit-bench-cli-"));
const COMMANDS: { args: string; goal: number }[] = [
  { args: "--help", goal: 0.3 },
  { args: "validate", goal: 1.5 },
  { args: `synth --out ${out}`, goal: 2 },
  { args: "review --base HEAD", goal: 8 },
];

/** One cold run under bash, whose `times` reports the children's CPU: [wall s, cpu s]. */
function once(args: string): [number, number] {
  const t0 = performance.now();
  const r = spawnSync("bash", ["-c", `node bin/gatekit.js ${args} >/dev/null 2>&1; code=$?; times; exit $code`], { env, encoding: "utf8" });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`gatekit ${args} exited ${r.status}: run it to see why`);
  const [, children = ""] = r.stdout.trim().split("\n");
  const cpu = [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce((s, m) => s + Number(m[1]) * 60 + Number(m[2]), 0);
  return [wall, cpu];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log(`node bin/gatekit.js, median of ${runs} cold runs (${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)} at start):\n`);
console.log("| command | wall s | goal s | cpu s |\n|---|---:|---:|---:|");
for (const { args, goal } of COMMANDS) {
  const samples = Array.from({ length: runs }, () => once(args));
  const wall = median(samples.map((s) => s[0]));
  const label = args.startsWith("synth") ? "synth" : args;
  console.log(`| ${label} | ${wall.toFixed(2)} | ${goal}${wall > goal ? " ✗" : ""} | ${median(samples.map((s) => s[1])).toFixed(2)} |`);
}

/** One `gatekit gateway --env dev` on free ports and `dataDir`: [s to ready, primary RSS MB]. */
async function startOnce(dataDir: string): Promise<[number, number]> {
  const [port, health] = [await freePort(), await freePort()];
  const t0 = performance.now();
  const child = spawn("node", ["bin/gatekit.js", "gateway", "--env", "dev"], { env: { ...env, PORT: String(port), SEPARATE_HEALTH_PORT: String(health), GATEKIT_DATA_DIR: dataDir }, stdio: "ignore" });
  const exited = new Promise((r) => child.once("exit", r));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error("gatekit gateway --env dev exited before it was ready: run npm start to see why");
      const ok = await fetch(`http://127.0.0.1:${health}/health/readiness`).then((r) => r.ok, () => false);
      if (ok) break;
      if (performance.now() - t0 > 120_000) throw new Error("gatekit gateway --env dev was not ready within 120 s");
      await new Promise((r) => setTimeout(r, 25));
    }
    const ready = (performance.now() - t0) / 1000;
    const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))![1]) / 1024;
    return [ready, rss];
  } finally {
    child.kill("SIGTERM");
    await exited;
  }
}

const dataDir = mkdtempSync(join(tmpdir(), "gatekit-bench-start-"));
const [first, firstRss] = await startOnce(dataDir);
const warm = [];
for (let i = 0; i < runs; i++) warm.push(await startOnce(dataDir));
rmSync(dataDir, { recursive: true, force: true });
const warmReady = median(warm.map((w) => w[0]));
console.log(`\nnpm start (gatekit gateway --env dev): ready in ${first.toFixed(2)} s on the very first start (goal 8${first > 8 ? " ✗" : ""}), ` +
  `${warmReady.toFixed(2)} s warm (median of ${runs}, goal 3${warmReady > 3 ? " ✗" : ""}); primary RSS ${Math.round(median(warm.map((w) => w[1])))} MB ` +
  `(${Math.round(firstRss)} MB on the first start; goal 250)`);
