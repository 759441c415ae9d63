// The gateway `check` and `probe` talk to: a spec's environment by name, or any running gateway by --url.
import type { Target } from "../ops/check.ts";
import { TargetError, targetOf } from "../ops/target.ts";
import type { Environment } from "../spec/schema.ts";
import { load } from "./commands/validate.ts";
import { cliVars } from "./env-file.ts";

export interface TargetArgs {
  positionals: string[];
  values: { url?: string; "health-url"?: string };
}

/** The environment (when one is named) and its gateway; or exit code 2, having said why. */
export function targetFromArgs(command: string, help: string, { positionals, values }: TargetArgs): { env?: Environment; target: Target } | 2 {
  if (positionals.length > 1 || (!positionals.length && !values.url)) return console.error(help), 2;
  const env = positionals.length ? load(positionals, false)?.[0] : undefined;
  if (positionals.length && !env) return 2;
  try {
    return { env, target: targetOf(env, values, cliVars()) };
  } catch (e) {
    if (!(e instanceof TargetError)) throw e;
    return console.error(`gatekit ${command}: ${e.message}`), 2;
  }
}
