// The CDKTF app: validate every environment, refuse on rule errors, then one stack per environment.
import { App } from "cdktf";
import { resolveEnvironment } from "../model/resolve.ts";
import { checkEnvironments, formatFindings, hasErrors, type Finding } from "../rules/index.ts";
import type { Environment } from "../spec/schema.ts";
import { EnvironmentStack } from "./stack.ts";

export class RuleErrors extends Error {
  constructor(readonly findings: Finding[]) {
    super(`synthesis refused: the production rules found errors\n${formatFindings(findings.filter((f) => f.severity === "error" && !f.suppressed))}`);
  }
}

export interface SynthOptions {
  outdir: string;
  /** Secret values the rules may check (default: the process environment). */
  vars?: Record<string, string | undefined>;
  /** Synthesize despite rule errors (plan reviews report them instead). */
  unchecked?: boolean;
  /** Every environment of the repository, for cross-environment rules, when only some are synthesized. */
  all?: Environment[];
}

/** Checks, then synthesizes `envs` into `<outdir>/stacks/<env>/cdk.tf.json`; throws RuleErrors on refusal. */
export function synthesize(envs: Environment[], opts: SynthOptions): Finding[] {
  const others = (opts.all ?? []).filter((o) => !envs.some((e) => e.name === o.name));
  const all = [...envs, ...others];
  const findings = checkEnvironments(all, opts.vars ?? process.env).filter((f) => envs.some((e) => e.name === f.environment));
  if (hasErrors(findings) && !opts.unchecked) throw new RuleErrors(findings);
  const app = new App({ outdir: opts.outdir, skipValidation: false });
  for (const env of envs) new EnvironmentStack(app, resolveEnvironment(env));
  app.synth();
  return findings;
}
