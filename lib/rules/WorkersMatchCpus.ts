import { isDocker } from "../spec/schema.ts";
import { ok, rule, violation } from "./rule.ts";

export default rule(import.meta.url, {
  severity: "error",
  info: "More workers than CPUs makes them compete for cores: latency rises and health checks time out.",
  fix: "Set gateway.num_workers to host.cpus (one worker per vCPU).",
  check: ({ env }) => {
    // On Kubernetes the gateway requests exactly one CPU per worker (GuaranteedQos checks the pods), so no host to outgrow.
    if (!isDocker(env)) return ok;
    const { num_workers: w } = env.spec.gateway;
    const { cpus } = env.spec.host;
    if (w > cpus) return violation("gateway.num_workers", `${w} workers on ${cpus} CPUs`);
    return ok;
  },
});
