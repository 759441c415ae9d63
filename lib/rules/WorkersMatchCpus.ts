import { isDocker } from "../spec/schema.ts";
import { ok, rule, violation } from "./rule.ts";

export default rule(import.meta.url, {
  severity: "error",
  info: "More workers than CPUs makes them compete for cores: latency rises and health checks time out.",
  fix: "Keep gateway.num_workers × gateway.instances ≤ host.cpus (one worker per vCPU; every instance's workers share the host): lower num_workers or instances, or use a bigger host.",
  check: ({ env }) => {
    // On Kubernetes the gateway requests exactly one CPU per worker (GuaranteedQos checks the pods), so no host to outgrow.
    if (!isDocker(env)) return ok;
    const { num_workers: w, instances } = env.spec.gateway;
    const { cpus } = env.spec.host;
    const total = w * instances;
    if (total > cpus) {
      return violation("gateway.num_workers", instances === 1 ? `${w} workers on ${cpus} CPUs` : `${w} workers × ${instances} instances = ${total} workers on ${cpus} CPUs`);
    }
    return ok;
  },
});
