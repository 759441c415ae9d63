// gatekit gateway … : the gateway itself (lib/gateway/cli.ts). `--env NAME` runs the `litellm:` section of
// environments/NAME.yaml locally — `npm start` is `--env dev` — with .env.example filling unset variables.
import { runGateway } from "../../gateway/cli.ts";
import { loadEnvironment, SpecError } from "../../spec/load.ts";
import type { Spec } from "../../spec/schema.ts";
import { cliVars } from "../env-file.ts";

export async function run(args: string[]): Promise<number> {
  const at = args.findIndex((a) => a === "--env" || a.startsWith("--env="));
  if (at < 0) return runGateway(args);
  const name = args[at]!.includes("=") ? args[at]!.split("=")[1]! : args[at + 1];
  if (!name) return console.error("gatekit gateway: --env needs an environment name"), 2;
  let env;
  try {
    env = loadEnvironment(name);
  } catch (e) {
    if (!(e instanceof SpecError)) throw e;
    return console.error(`gatekit gateway: ${e.message}`), 2;
  }
  // Local runs use LiteLLM's default ports (4000/4001) whatever the spec publishes on its Docker host.
  const flags = ["--num_workers", String(env.spec.gateway.num_workers), ...args];
  process.env.SEPARATE_HEALTH_APP ??= "1";
  const { config, note } = localConfig(env.spec.litellm, env.file, cliVars());
  return runGateway(flags, { config, source: env.file, devEnvFiles: [".env.example"], notes: [note] });
}

/**
 * The spec's Redis host is its stack's container name (`redis`), which a local run can't reach: the local run
 * uses REDIS_HOST/REDIS_PORT when set (env or .env), and otherwise runs without Redis, saying so once.
 */
export function localConfig(litellm: Spec["litellm"], file: string, vars: Record<string, string | undefined>): { config: Spec["litellm"]; note: string } {
  const config = structuredClone(litellm) as Spec["litellm"] & { litellm_settings?: { cache_params?: Record<string, unknown> }; router_settings?: Record<string, unknown> };
  const specHost = config.litellm_settings?.cache_params?.host ?? config.router_settings?.redis_host;
  const cache = config.litellm_settings?.cache_params;
  if (cache) {
    delete cache.host;
    delete cache.port;
  }
  delete config.router_settings?.redis_host;
  delete config.router_settings?.redis_port;
  const note = vars.REDIS_HOST
    ? `local run of ${file}: Redis at ${vars.REDIS_HOST}:${vars.REDIS_PORT ?? 6379} (REDIS_HOST)`
    : `local run of ${file}: without Redis${specHost ? ` (the spec's host "${specHost}" is its stack's container)` : ""}, so no response cache and per-worker rate limits and cooldowns; set REDIS_HOST and REDIS_PORT to use one`;
  return { config, note };
}
