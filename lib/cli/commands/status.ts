// gatekit status <env> [--json]: the stack's containers with state, health, uptime and restarts.
import { parseArgs } from "node:util";
import { stackStatus } from "../../ops/docker.ts";
import { dockerEnvironment } from "./ops-env.ts";

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: "boolean" } } });
  const env = dockerEnvironment("status", positionals[0]);
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
