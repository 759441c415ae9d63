// gatekit restart <env>: the gateway instances one at a time, each healthy again before the next.
import { parseArgs } from "node:util";
import { rollingRestart } from "../../ops/docker.ts";
import { dockerEnvironment } from "./ops-env.ts";

export const HELP = `usage: gatekit restart <env>

Restarts the environment's gateway instances one at a time: each drains, starts again and must be healthy
(and back in the load balancer) before the next, so with several instances no request fails. With one
instance, requests arriving while it restarts are refused.
Exit 0: every instance restarted and healthy. 1: one failed to restart or become healthy. 2: unusable input,
or the Docker engine does not answer.`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { help: { type: "boolean", short: "h" } } });
  if (values.help) return console.log(HELP), 0;
  if (positionals.length > 1) return console.error(HELP), 2;
  const env = await dockerEnvironment("restart", positionals[0], HELP);
  if (!env) return 2;
  try {
    await rollingRestart(env, (l) => console.log(l));
    return 0;
  } catch (e) {
    return console.error(`gatekit restart: ${(e as Error).message}`), 1;
  }
}
