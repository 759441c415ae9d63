// Where a deployment answers: the ports its spec publishes (a single instance's, or the load balancer's), unless
// --url / --health-url say otherwise; the master key from the environment or .env.
import { envRefName } from "../gateway/config/schema.ts";
import type { Environment } from "../spec/schema.ts";
import type { Target } from "./check.ts";

/** What was typed can't be used (exit 2): a URL that is not http(s), or no address at all. */
export class TargetError extends Error {}

/** An http(s) URL without its trailing slash, or a TargetError that says what is wrong and what to type. */
function httpUrl(flag: string, value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || !url.hostname) {
    const guess = /^[\w.-]+(:\d+)?(\/.*)?$/.test(value) ? ` (did you mean http://${value}?)` : "";
    throw new TargetError(`${flag} must be an http:// or https:// URL, got "${value}"${guess}`);
  }
  return value.replace(/\/+$/, "");
}

export function targetOf(env: Environment | undefined, flags: { url?: string; "health-url"?: string }, vars: Record<string, string | undefined>): Target {
  const spec = env?.spec;
  const url = flags.url === undefined ? undefined : httpUrl("--url", flags.url);
  const healthUrl = flags["health-url"] === undefined ? undefined : httpUrl("--health-url", flags["health-url"]);
  const published = spec?.target === "docker" ? `http://${spec.host.publish_address}` : undefined;
  const api = url ?? (published && `${published}:${spec!.gateway.port}`);
  if (!api) throw new TargetError("no address to check: pass --url (a kubernetes environment is reached through its Ingress or a port-forward), and --health-url for the health port");
  const health = healthUrl ?? (published && !url ? `${published}:${spec!.gateway.health_port}` : api);
  const keyVariable = spec ? envRefName(spec.secrets.master_key) : undefined;
  const masterKey = (keyVariable && vars[keyVariable]) || vars.LITELLM_MASTER_KEY;
  return { api, health, masterKey, keyVariable: keyVariable && (vars[keyVariable] || !vars.LITELLM_MASTER_KEY) ? keyVariable : "LITELLM_MASTER_KEY" };
}
