// Where a deployment answers: the ports its spec publishes (a single instance's, or the load balancer's), unless
// --url / --health-url say otherwise; the master key from the environment or .env.
import { envRefName } from "../gateway/config/schema.ts";
import type { Environment } from "../spec/schema.ts";
import type { Target } from "./check.ts";

export function targetOf(env: Environment | undefined, flags: { url?: string; "health-url"?: string }, vars: Record<string, string | undefined>): Target {
  const spec = env?.spec;
  const published = spec?.target === "docker" ? `http://${spec.host.publish_address}` : undefined;
  const api = flags.url ?? (published && `${published}:${spec!.gateway.port}`);
  if (!api) throw new Error("no address to check: pass --url (a kubernetes environment is reached through its Ingress or a port-forward)");
  const health = flags["health-url"] ?? (published && !flags.url ? `${published}:${spec!.gateway.health_port}` : api);
  const keyVariable = spec ? envRefName(spec.secrets.master_key) : undefined;
  return { api: api.replace(/\/$/, ""), health: health.replace(/\/$/, ""), masterKey: (keyVariable && vars[keyVariable]) || vars.LITELLM_MASTER_KEY };
}
