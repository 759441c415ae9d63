// gatekit validate [env|file …] [--json]: every spec against the production rules; all findings at once.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { hostPortFindings } from "../../deploy/host-ports.ts";
import { formatIssue, listEnvironmentFiles, loadEnvironment, loadEnvironments, SpecError, type SpecIssue } from "../../spec/load.ts";
import { isKubernetes, type Environment } from "../../spec/schema.ts";
import { buildManifests } from "../../k8s/manifests.ts";
import { formatSchemaIssue, SCHEMA_VERSION, SUPPORTED_RANGE, validateManifests, type SchemaIssue } from "../../k8s/validate.ts";
import { checkEnvironments, connectionBudget, formatFindings, hasErrors, type Finding } from "../../rules/index.ts";
import { cliVars } from "../env-file.ts";

export const HELP = `usage: gatekit validate [env|file …] [--json] [--skip-secrets]

Checks environments/<env>.yaml (all of them by default) against the production rules. Secret values come
from the environment and a .env file; the ports the stacks publish must be free on a local Docker host.
--skip-secrets leaves out what depends on the deploy-time machine: secret values and host ports (plan reviews).
For target: kubernetes, every rendered object is also validated strictly (unknown fields are errors) against
the Kubernetes ${SCHEMA_VERSION} schemas. Exit 0: no errors. 1: rule or schema errors. 2: a spec could not be read.`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: "boolean" }, "skip-secrets": { type: "boolean" }, help: { type: "boolean", short: "h" } } });
  if (values.help) return console.log(HELP), 0;
  const loaded = load(positionals, values.json ?? false);
  if (!loaded) return 2;
  const deployTime = !values["skip-secrets"];
  const findings = [...checkEnvironments(loaded, cliVars(), { secrets: deployTime }), ...(deployTime ? await hostPortFindings(loaded) : [])];
  const schema = new Map(loaded.filter(isKubernetes).map((e) => [e.name, validateManifests(buildManifests(e))]));
  if (values.json) console.log(JSON.stringify(toJson(loaded, findings, schema), null, 2));
  else console.log(report(loaded, findings, schema) + envFileHint(findings));
  return hasErrors(findings) || [...schema.values()].some((i) => i.length > 0) ? 1 : 0;
}

/** Loads the specs, or prints every problem (human or JSON) and returns undefined. */
export function load(names: string[], json: boolean): Environment[] | undefined {
  try {
    return loadEnvironments(names);
  } catch (e) {
    if (!(e instanceof SpecError)) throw e;
    if (json) console.log(JSON.stringify({ environments: [], findings: [], errors: e.issues }, null, 2));
    else console.error(`gatekit: the spec could not be read:\n${e.issues.map((i) => `  ${formatIssue(i)}`).join("\n")}`);
    return undefined;
  }
}

/**
 * The other specs of environments/, for the rules that compare environments (NoSharedHostResources: host ports,
 * volumes and networks two stacks must not share). Each is loaded on its own, so one bad file never hides the
 * others. When one can't be read, that comparison would be incomplete: the command stops (undefined, exit 2)
 * naming the file — unless `incompleteOk` (synth --unchecked), which only warns.
 */
export function otherEnvironments(command: string, named: Environment[], opts: { incompleteOk?: boolean } = {}): Environment[] | undefined {
  const mine = new Set(named.map((e) => resolve(e.file)));
  const envs: Environment[] = [];
  const issues: SpecIssue[] = [];
  for (const file of listEnvironmentFiles()) {
    if (mine.has(resolve(file))) continue;
    try {
      envs.push(loadEnvironment(file));
    } catch (e) {
      if (!(e instanceof SpecError)) throw e;
      issues.push(...e.issues);
    }
  }
  if (!issues.length) return envs;
  const files = [...new Set(issues.map((i) => i.file))];
  const problems = issues.map((i) => `  ${formatIssue(i)}`).join("\n");
  const what = `the cross-environment check (NoSharedHostResources: host ports, volumes and networks shared with ${files.join(", ")}) is incomplete`;
  if (opts.incompleteOk) {
    console.error(`gatekit ${command}: warning: skipped ${files.join(", ")}, which could not be read, so ${what}:\n${problems}`);
    return envs;
  }
  console.error(`gatekit ${command}: ${files.join(", ")} could not be read, so ${what}; nothing was done:\n${problems}\nFix ${files.length > 1 ? "them" : "it"} (or move ${files.length > 1 ? "them" : "it"} out of environments/) and run again.`);
  return undefined;
}

/** Missing variables and no .env at all: the usual first-run mistake, said once. */
export function envFileHint(findings: Finding[]): string {
  const missing = findings.some((f) => f.ruleId === "SecretsPresent" && / is not set$/.test(f.message));
  return missing && !existsSync(".env") ? "\n\nhint: there is no .env here: `cp .env.example .env` and fill in the values (or export them)." : "";
}

function report(envs: Environment[], findings: Finding[], schema: Map<string, SchemaIssue[]>): string {
  return envs
    .map((env) => {
      const mine = findings.filter((f) => f.environment === env.name);
      const issues = schema.get(env.name) ?? [];
      const errors = mine.filter((f) => f.severity === "error" && !f.suppressed).length + issues.length;
      const warnings = mine.filter((f) => f.severity === "warning" && !f.suppressed).length;
      const head = `${errors ? "✗" : "✓"} ${env.name} (${env.file}): ${errors} error(s), ${warnings} warning(s)`;
      const db = connectionBudget(env.spec);
      const budget = `    database connections: ${db.text} ${db.total <= db.max ? "≤" : ">"} max_connections ${db.max}`;
      return [head, budget, manifestLine(env, issues), formatFindings(mine)].filter(Boolean).join("\n");
    })
    .join("\n\n");
}

function manifestLine(env: Environment, issues: SchemaIssue[]): string {
  if (!isKubernetes(env)) return "";
  const count = buildManifests(env).length;
  const head = `    kubernetes manifests: ${count} objects, strict schema validation (Kubernetes ${SCHEMA_VERSION} schemas; for ${SUPPORTED_RANGE})`;
  return issues.length ? `${head}: ${issues.length} error(s)\n${issues.map((i) => `  ✗ ${formatSchemaIssue(i)}`).join("\n")}` : `${head}: ok`;
}

function toJson(envs: Environment[], findings: Finding[], schema: Map<string, SchemaIssue[]>) {
  return {
    environments: envs.map((e) => ({
      name: e.name, file: e.file, target: e.spec.target,
      ok: !hasErrors(findings.filter((f) => f.environment === e.name)) && !schema.get(e.name)?.length,
      connections: connectionBudget(e.spec),
      ...(schema.has(e.name) ? { schemaIssues: schema.get(e.name) } : {}),
    })),
    findings,
  };
}
