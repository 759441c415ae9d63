// The load balancer in front of several gateway instances: HAProxy, health-checking each instance on its
// health port. A request that could not reach an instance (refused: it is draining or gone) is sent to
// another one; a request an instance accepted is never replayed, so an LLM call is never made twice.
import type { DockerSpec } from "../spec/schema.ts";
import { proxyTimeoutSeconds } from "./timeouts.ts";

export const HAPROXY_CONFIG_PATH = "/usr/local/etc/haproxy/haproxy.cfg";
export const LB_STATUS_PATH = "/lb/healthz";
/**
 * How long an instance keeps serving after SIGTERM while its health app answers 503: the balancer needs
 * two failed checks a second apart (inter 1s, fall 2) to take it out, plus a margin.
 */
export const DRAIN_DELAY_SECONDS = 3;

export function renderHaproxyConfig(name: string, spec: DockerSpec): string {
  const g = spec.gateway;
  // request_timeout is per attempt and the gateway retries and falls back within one client request, so HAProxy
  // waits for the worst case (timeout × (1 + retries) × (1 + fallbacks)) plus a margin: it must never cut a call
  // the gateway still serves.
  const serverTimeout = proxyTimeoutSeconds(spec);
  const servers = (port: number, checkPort: number) =>
    Array.from({ length: g.instances }, (_, i) =>
      `  server gateway-${i + 1} ${name}-gateway-${i + 1}:${port} check port ${checkPort} resolvers docker init-addr last,libc,none`);
  return `# Rendered by gatekit from the environment spec; edit the spec, not this file.
global
  log stdout format raw local0 warning
  maxconn 4096

resolvers docker
  nameserver dns 127.0.0.11:53
  hold valid 5s

defaults
  mode http
  log global
  option httplog
  timeout connect 2s
  timeout client ${serverTimeout}s
  timeout server ${serverTimeout}s
  timeout http-request 30s
  timeout http-keep-alive 60s
  # A connection an instance refused is retried on another instance; accepted requests are never replayed.
  retries 3
  option redispatch 1
  # Server connections are kept alive and reused: an instance stops accepting only after its drain delay,
  # by which time its checks have failed and it gets no new requests (resolve.ts, DRAIN_DELAY_SECONDS).
  http-reuse safe
  default-server inter 1s fall 2 rise 2

frontend api
  bind :${g.port}
  default_backend gateways

frontend health
  bind :${g.health_port}
  monitor-uri ${LB_STATUS_PATH}
  default_backend gateway_health

backend gateways
  balance leastconn
  option httpchk GET /health/liveliness
  http-check expect status 200
${servers(g.port, g.health_port).join("\n")}

backend gateway_health
  option httpchk GET /health/liveliness
${servers(g.health_port, g.health_port).join("\n")}
`;
}
