// `npm run bench:cli`: how long the compiled `gatekit` takes as a user runs it (`node bin/gatekit.js …`, a cold
// process each time): the median wall time of a few runs against its goal, and the median CPU time (user + sys
// of the process tree), which a busy shared machine inflates less than the wall time.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseEnv } from "node:util";

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
