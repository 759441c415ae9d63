// The gateway `check` and `probe` talk to: a spec's environment by name, or any running gateway by --url.
import type { Target } from "../ops/check.ts";
import { TargetError, targetOf } from "../ops/target.ts";
import type { Environment } from "../spec/schema.ts";
import { load } from "./commands/validate.ts";
import { cliVars, exampleVars } from "./env-file.ts";

export interface TargetArgs {
  positionals: string[];
  values: { url?: string; "health-url"?: string };
}

/**
 * The environment (when one is named) and its gateway; or exit code 2, having said why. Neither an environment
 * nor --url: the local gateway `npm start` runs (PORT / SEPARATE_HEALTH_PORT, LiteLLM's 4000 / 4001 by default),
 * with the master key npm start uses (.env, else .env.example's).
 */
export function targetFromArgs(command: string, help: string, { positionals, values }: TargetArgs): { env?: Environment; target: Target } | 2 {
  if (positionals.length > 1) return console.error(help), 2;
  const local = !positionals.length && !values.url;
  const env = positionals.length ? load(positionals, false)?.[0] : undefined;
  if (positionals.length && !env) return 2;
  const vars = local ? { ...exampleVars(), ...cliVars() } : cliVars();
  if (local) {
    values = { url: `http://127.0.0.1:${vars.PORT || 4000}`, "health-url": values["health-url"] ?? `http://127.0.0.1:${vars.SEPARATE_HEALTH_PORT || 4001}` };
    console.error(`gatekit ${command}: no environment named: the local gateway (npm start) at ${values.url}; name one (gatekit ${command} dev) for a deployed stack`);
  }
  try {
    return { env, target: targetOf(env, values, vars) };
  } catch (e) {
    if (!(e instanceof TargetError)) throw e;
    return console.error(`gatekit ${command}: ${e.message}`), 2;
  }
}
