// The CDKTF app: validate every environment, refuse on rule errors, then one stack per environment — a Docker
// stack or a Kubernetes stack, by the spec's target.
import { App } from "cdktf";
import { buildManifests } from "../k8s/manifests.ts";
import { KubernetesStack } from "../k8s/stack.ts";
import { formatSchemaIssue, validateManifests } from "../k8s/validate.ts";
import { resolveEnvironment } from "../model/resolve.ts";
import { checkEnvironments, formatFindings, hasErrors, type Finding } from "../rules/index.ts";
import { isKubernetes, type DockerEnvironment, type Environment } from "../spec/schema.ts";
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
  for (const env of envs) addStack(app, env);
  app.synth();
  return findings;
}

/** Thrown when rendered Kubernetes objects break the schemas: a bug to fix in gatekit, never deployed. */
export class ManifestErrors extends Error {}

function addStack(app: App, env: Environment) {
  if (!isKubernetes(env)) return new EnvironmentStack(app, resolveEnvironment(env as DockerEnvironment));
  const objects = buildManifests(env);
  const issues = validateManifests(objects);
  if (issues.length) throw new ManifestErrors(`${env.name}: rendered objects fail schema validation\n${issues.map((i) => `  ${formatSchemaIssue(i)}`).join("\n")}`);
  return new KubernetesStack(app, env, objects);
}
