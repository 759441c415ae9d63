// gatekit validate [env|file …] [--json]: every spec against the production rules; all findings at once.
import { parseArgs } from "node:util";
import { formatIssue, loadEnvironments, SpecError } from "../../spec/load.ts";
import type { Environment } from "../../spec/schema.ts";
import { checkEnvironments, connectionBudget, formatFindings, hasErrors, type Finding } from "../../rules/index.ts";
import { cliVars } from "../env-file.ts";

const HELP = `usage: gatekit validate [env|file …] [--json] [--skip-secrets]

Checks environments/<env>.yaml (all of them by default) against the production rules. Secret values come
from the environment and a .env file; --skip-secrets leaves out the rules that need them (plan reviews).
Exit 0: no errors. 1: rule errors. 2: a spec could not be read or parsed.`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: "boolean" }, "skip-secrets": { type: "boolean" }, help: { type: "boolean", short: "h" } } });
  if (values.help) return console.log(HELP), 0;
  const loaded = load(positionals, values.json ?? false);
  if (!loaded) return 2;
  const findings = checkEnvironments(loaded, cliVars(), { secrets: !values["skip-secrets"] });
  if (values.json) console.log(JSON.stringify(toJson(loaded, findings), null, 2));
  else console.log(report(loaded, findings));
  return hasErrors(findings) ? 1 : 0;
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

function report(envs: Environment[], findings: Finding[]): string {
  return envs
    .map((env) => {
      const mine = findings.filter((f) => f.environment === env.name);
      const errors = mine.filter((f) => f.severity === "error" && !f.suppressed).length;
      const warnings = mine.filter((f) => f.severity === "warning" && !f.suppressed).length;
      const head = `${errors ? "✗" : "✓"} ${env.name} (${env.file}): ${errors} error(s), ${warnings} warning(s)`;
      const db = connectionBudget(env.spec);
      const budget = `    database connections: ${db.text} ${db.total <= db.max ? "≤" : ">"} max_connections ${db.max}`;
      return [head, budget, formatFindings(mine)].filter(Boolean).join("\n");
    })
    .join("\n\n");
}

function toJson(envs: Environment[], findings: Finding[]) {
  return {
    environments: envs.map((e) => ({ name: e.name, file: e.file, ok: !hasErrors(findings.filter((f) => f.environment === e.name)), connections: connectionBudget(e.spec) })),
    findings,
  };
}
