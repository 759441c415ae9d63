// gatekit logs <env> [service] [-f] [--since 10m]: one service's logs (gateway_1, or a role: gateway) or all.
import { parseArgs } from "node:util";
import { streamLogs } from "../../ops/docker.ts";
import { dockerEnvironment } from "./ops-env.ts";

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { follow: { type: "boolean", short: "f" }, since: { type: "string" } } });
  const env = dockerEnvironment("logs", positionals[0]);
  if (!env) return 2;
  try {
    await streamLogs(env, { service: positionals[1], follow: values.follow, since: values.since, write: (l) => console.log(l) });
    return 0;
  } catch (e) {
    return console.error(`gatekit logs: ${(e as Error).message}`), 2;
  }
}
