// gatekit synth [env …] [--out DIR] [--unchecked] [--json]: validate, then write cdktf.out/stacks/<env>.
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ManifestErrors, RuleErrors, synthesize } from "../../infra/app.ts";
import { hasErrors } from "../../rules/index.ts";
import { cliVars } from "../env-file.ts";
import { load, otherEnvironments } from "./validate.ts";

export const HELP = `usage: gatekit synth [env …] [--out cdktf.out] [--json] [--unchecked]

Validates the environments (all by default) and synthesizes one stack per environment — Docker or Kubernetes,
by the spec's target — into <out>/stacks/<env>/cdk.tf.json. Refuses (exit 1) on rule errors; --unchecked synthesizes anyway (plan reviews).
Named environments are also checked against every other spec of environments/ (no shared host ports, volumes
or networks): when one of those can't be read, synth stops (exit 2) naming it; with --unchecked it warns instead.`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: { out: { type: "string", default: "cdktf.out" }, json: { type: "boolean" }, unchecked: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) return console.log(HELP), 0;
  const envs = load(positionals, values.json ?? false);
  if (!envs) return 2;
  // Named environments are still checked against every other spec (shared host ports, volumes, networks).
  const others = positionals.length ? otherEnvironments("synth", envs, { incompleteOk: values.unchecked }) : [];
  if (!others) return 2;
  const all = [...envs, ...others];
  for (const env of envs) rmSync(join(values.out, "stacks", env.name), { recursive: true, force: true });
  try {
    const findings = synthesize(envs, { outdir: values.out, vars: cliVars(), unchecked: values.unchecked, all });
    const stacks = envs.map((e) => ({ environment: e.name, file: join(values.out, "stacks", e.name, "cdk.tf.json") }));
    if (values.json) console.log(JSON.stringify({ stacks, findings, refused: false }, null, 2));
    else for (const s of stacks) console.log(`✓ ${s.environment}: ${s.file}${existsSync(s.file) ? "" : " (missing!)"}`);
    return hasErrors(findings) && !values.unchecked ? 1 : 0;
  } catch (e) {
    if (e instanceof ManifestErrors) return console.error(e.message), 1;
    if (!(e instanceof RuleErrors)) throw e;
    if (values.json) console.log(JSON.stringify({ stacks: [], findings: e.findings, refused: true }, null, 2));
    else console.error(e.message);
    return 1;
  }
}
