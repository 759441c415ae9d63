// `npm run bench:synth`: time to load, check and synthesize the three shipped stacks — in-process (what a
// warm `gatekit synth` spends) and as cold commands (`gatekit synth`, `npx cdktf synth`). Goal: under 5 s.
import { execa } from "execa";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { synthesize } from "../lib/infra/app.ts";
import { loadEnvironments } from "../lib/spec/load.ts";

// Rules that read secrets need values; examples are enough to time the work.
const vars = { LITELLM_MASTER_KEY: "sk-bench-0123456789abcdef0123456789ab", LITELLM_SALT_KEY: "bench-salt", POSTGRES_PASSWORD: "p", REDIS_PASSWORD: "r", OLLAMA_API_KEY: "o", GEMINI_API_KEY: "g", VOYAGE_API_KEY: "v" };

const time = async (fn: () => unknown) => {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
};

const inProcess: number[] = [];
for (let i = 0; i < 5; i++) {
  const out = mkdtempSync(join(tmpdir(), "gatekit-bench-synth-"));
  inProcess.push(await time(() => synthesize(loadEnvironments(), { outdir: out, vars })));
}
const env = { ...process.env, ...vars };
const cli = await time(() => execa("node", ["bin/gatekit.js", "synth", "--out", mkdtempSync(join(tmpdir(), "gatekit-bench-cli-"))], { env }));
const cdktf = await time(() => execa("npx", ["cdktf", "synth", "--output", mkdtempSync(join(tmpdir(), "gatekit-bench-cdktf-"))], { env: { ...env, CI: "1" } }));
const sorted = [...inProcess].sort((a, b) => a - b);
console.log(`validate + synth of dev, staging, prod (${(await import("node:os")).cpus().length} cores):`);
console.log(`  in-process: first ${inProcess[0]!.toFixed(2)} s, median ${sorted[2]!.toFixed(2)} s`);
console.log(`  gatekit synth (cold process): ${cli.toFixed(2)} s`);
console.log(`  npx cdktf synth (cold, through cdktf-cli): ${cdktf.toFixed(2)} s`);
