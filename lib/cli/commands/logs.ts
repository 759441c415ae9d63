// gatekit logs <env> [service] [-f] [--since 10m]: one service's logs (gateway_1, or a role: gateway) or all.
import { parseArgs } from "node:util";
import { streamLogs } from "../../ops/docker.ts";
import { dockerEnvironment } from "./ops-env.ts";

export const HELP = `usage: gatekit logs <env> [service] [-f|--follow] [--since 10m]

The logs of one service — by key (gateway_1, postgres, redis, lb) or role (gateway: every instance) — or of all
of them, each line prefixed with its service. -f follows; --since takes Docker's forms (10m, 2h, a timestamp).
Exit 0: logs shown. 1: a container's logs could not be read (e.g. it does not exist: gatekit deploy <env>).
2: unusable input, an unknown service, or the Docker engine does not answer.`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { follow: { type: "boolean", short: "f" }, since: { type: "string" }, help: { type: "boolean", short: "h" } } });
  if (values.help) return console.log(HELP), 0;
  if (positionals.length > 2) return console.error(HELP), 2;
  const env = await dockerEnvironment("logs", positionals[0], HELP);
  if (!env) return 2;
  let failed;
  try {
    failed = await streamLogs(env, { service: positionals[1], follow: values.follow, since: values.since, write: (l) => console.log(l) });
  } catch (e) {
    return console.error(`gatekit logs: ${(e as Error).message}`), 2;
  }
  if (!failed.length) return 0;
  console.error(`gatekit logs ${env.name}: docker logs failed for ${failed.map((f) => f.service).join(", ")} (its error is above). Is the stack deployed? See gatekit status ${env.name}.`);
  return 1;
}
