import { ok, rule, violation } from "./rule.ts";

export default rule(import.meta.url, {
  severity: "error",
  info: "Health probes answered by busy workers time out, and the orchestrator restarts healthy gateways.",
  fix: "Set gateway.separate_health_app: true (health app on gateway.health_port, 4001).",
  check: ({ env }) => {
    const g = env.spec.gateway;
    if (!g.separate_health_app) return violation("gateway.separate_health_app", "health is served by the request workers");
    return g.health_port === g.port ? violation("gateway.health_port", `same as gateway.port ${g.port}`) : ok;
  },
});
