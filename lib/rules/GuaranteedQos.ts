import { containersOf, gatewayDeployment, manifestsOf } from "../k8s/inspect.ts";
import { isKubernetes } from "../spec/schema.ts";
import { ok, rule, type Violation } from "./rule.ts";

export default rule(import.meta.url, {
  severity: "error",
  info: "Gateway pods below Guaranteed QoS (requests = limits for CPU and memory) are evicted first under node pressure and share their workers' CPUs with noisy neighbours.",
  fix: "Keep kubernetes.cpu_limit: true (CPU requests = limits = num_workers) and set gateway.memory_limit (memory requests = limits).",
  check: ({ env }) => {
    if (!isKubernetes(env)) return ok;
    const out: Violation[] = [];
    for (const c of containersOf(gatewayDeployment(manifestsOf(env)))) {
      for (const resource of ["cpu", "memory"] as const) {
        const [req, lim] = [c.resources?.requests?.[resource], c.resources?.limits?.[resource]];
        if (req === undefined || lim === undefined || String(req) !== String(lim)) {
          const path = resource === "cpu" ? "kubernetes.cpu_limit" : "gateway.memory_limit";
          out.push({ path, message: `${c.name}: ${resource} request ${req ?? "none"} ≠ limit ${lim ?? "none"} (Burstable, not Guaranteed)` });
        }
      }
    }
    return out.length ? out : ok;
  },
});
