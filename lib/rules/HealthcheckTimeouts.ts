import { ok, rule, type Violation } from "./rule.ts";

export default rule(import.meta.url, {
  severity: "error",
  info: "Probes with short timeouts or no start period restart gateways that are merely busy or still starting.",
  fix: "Set gateway.healthcheck.timeout ≥ 10 and a start_period (e.g. 40).",
  check: ({ env }) => {
    // Kubernetes probes are checked as rendered, by ProbeTimeouts.
    if (env.spec.target !== "docker") return ok;
    const h = env.spec.gateway.healthcheck;
    const out: Violation[] = [];
    if (h.timeout < 10) out.push({ path: "gateway.healthcheck.timeout", message: `${h.timeout} s < 10 s` });
    if (h.start_period < 10) out.push({ path: "gateway.healthcheck.start_period", message: `${h.start_period} s: no time to start` });
    return out.length ? out : ok;
  },
});
