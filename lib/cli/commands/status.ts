// gatekit status <env> [--json]: the stack's containers with state, health, uptime and restarts.
import { parseArgs } from "node:util";
import { stackStatus } from "../../ops/docker.ts";
import { dockerEnvironment } from "./ops-env.ts";

export const HELP = `usage: gatekit status <env> [--json]

The environment's containers (on its spec's Docker host): state, health, uptime and restarts.
Exit 0: every container running and healthy. 1: one is missing, stopped or unhealthy. 2: unusable input, or
the Docker engine does not answer.`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: "boolean" }, help: { type: "boolean", short: "h" } } });
  if (values.help) return console.log(HELP), 0;
  if (positionals.length > 1) return console.error(HELP), 2;
  const env = await dockerEnvironment("status", positionals[0], HELP);
  if (!env) return 2;
  const rows = await stackStatus(env);
  if (values.json) console.log(JSON.stringify(rows, null, 2));
  else {
    const table = [["service", "container", "state", "health", "uptime", "restarts"], ...rows.map((r) => [r.service, r.container, r.state, r.health, r.uptime, String(r.restarts)])];
    const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
    console.log(table.map((row) => row.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n"));
  }
  return rows.every((r) => r.state === "running" && (r.health === "healthy" || r.health === "-")) ? 0 : 1;
}
