// gatekit check <env> [--url URL] [--health-url URL] [--no-traffic] [--json]: the verification checklist
// against the live deployment. Exit 0 all ✓, 1 any ✗, 2 unusable input.
import { parseArgs } from "node:util";
import { runChecks, volumePasswordItem } from "../../ops/check.ts";
import { isKubernetes, type DockerEnvironment } from "../../spec/schema.ts";
import { cliVars } from "../env-file.ts";
import { targetFromArgs } from "../target-args.ts";

export const HELP = `usage: gatekit check [env] [--url URL] [--health-url URL] [--no-traffic] [--json]

Checks the running deployment against its spec: liveliness and readiness on the health port, /v1/models with
the master key, one small chat per chat model (--no-traffic skips them), the gateway's effective settings
(live workers, LITELLM_MODE, health app and port, recycling, pool limit, request_timeout, routing, cooldowns,
retries), Postgres connections in use against max_connections, Redis reachable with its password; for a Docker
environment, whether its Postgres volume takes the password POSTGRES_PASSWORD holds now (a kept volume keeps the
password it was initialised with).
--url checks any running gateway (LiteLLM's proxy too: what it doesn't expose is reported as ?); live workers
are counted by the separate health app only, so with --url pass --health-url too (else they are reported as ?).
Without an environment or --url: the local gateway npm start runs (127.0.0.1:4000, health 4001).
Exit 0: every item ✓ (or ?). 1: any ✗, each with its fix. 2: unusable input (no such spec, a URL that is not
http(s)).`;

const MARK = { ok: "✓", fail: "✗", unknown: "?" } as const;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: { url: { type: "string" }, "health-url": { type: "string" }, "no-traffic": { type: "boolean" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) return console.log(HELP), 0;
  const resolved = targetFromArgs("check", HELP, { positionals, values });
  if (resolved === 2) return 2;
  const { env, target } = resolved;
  const items = await runChecks(target, env?.spec, { traffic: !values["no-traffic"] });
  const volume = env && !isKubernetes(env) && !values.url ? await volumePasswordItem(env as DockerEnvironment, cliVars()) : undefined;
  if (volume) items.push(volume);
  const failed = items.filter((i) => i.status === "fail").length;
  if (values.json) console.log(JSON.stringify({ target: { api: target.api, health: target.health }, items, failed }, null, 2));
  else {
    console.log(`gatekit check ${env?.name ?? target.api}: ${target.api} (health ${target.health})`);
    for (const i of items) console.log(`${MARK[i.status]} ${i.name}: ${i.detail}${i.fix ? `\n    fix: ${i.fix}` : ""}`);
    console.log(failed ? `\n${failed} check(s) failed` : "\nall checks passed");
  }
  return failed ? 1 : 0;
}
