import { ok, rule, violation } from "./rule.ts";

export default rule(import.meta.url, {
  severity: "error",
  info: "More workers than CPUs makes them compete for cores: latency rises and health checks time out.",
  fix: "Set gateway.num_workers to host.cpus (one worker per vCPU).",
  check: ({ env }) => {
    const { num_workers: w } = env.spec.gateway;
    const { cpus } = env.spec.host;
    if (w > cpus) return violation("gateway.num_workers", `${w} workers on ${cpus} CPUs`);
    return ok;
  },
});
