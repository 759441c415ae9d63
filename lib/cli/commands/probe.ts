// gatekit probe <env> [--url URL] [--concurrency N] [--json]: every deployment of model_list, probed by the gateway.
import { parseArgs } from "node:util";
import { ProbeError, probeDeployments, probeTable } from "../../ops/probe.ts";
import { targetFromArgs } from "../target-args.ts";

export const HELP = `usage: gatekit probe [env] [--url URL] [--concurrency 8] [--json]

Calls every deployment of the running gateway's model_list (not only every model name) once, from the gateway
itself, a few at a time: latency, tokens, and the error class of each failure.
Without an environment or --url: the local gateway npm start runs (127.0.0.1:4000, health 4001).
Exit 0: every deployment answered. 1: one failed, or the gateway could not be asked (unreachable, master key
refused). 2: unusable input (no such spec, a URL that is not http(s)).`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: { url: { type: "string" }, concurrency: { type: "string", default: "8" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) return console.log(HELP), 0;
  const resolved = targetFromArgs("probe", HELP, { positionals, values });
  if (resolved === 2) return 2;
  const { target } = resolved;
  try {
    const { rows, note } = await probeDeployments(target, Math.max(1, Number(values.concurrency) || 8));
    if (values.json) console.log(JSON.stringify({ deployments: rows, note }, null, 2));
    else console.log(`${probeTable(rows)}${note ? `\n(${note})` : ""}\n\n${rows.filter((r) => r.ok).length} of ${rows.length} deployments answered`);
    return rows.every((r) => r.ok) ? 0 : 1;
  } catch (e) {
    if (!(e instanceof ProbeError)) throw e;
    console.error(`gatekit probe: ${e.message}`);
    return 1;
  }
}
