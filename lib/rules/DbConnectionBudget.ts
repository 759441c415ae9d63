import { ok, rule, violation } from "./rule.ts";
import type { Spec } from "../spec/schema.ts";

/** How many gateway processes can run at once: Docker instances, or the HPA's maximum on Kubernetes. */
export function peakInstances(spec: Spec): { count: number; unit: string } {
  if (spec.target === "kubernetes") {
    const max = spec.kubernetes.replicas.max;
    return { count: max, unit: `${max === 1 ? "replica" : "replicas"} (HPA max)` };
  }
  const n = spec.gateway.instances;
  return { count: n, unit: n === 1 ? "instance" : "instances" };
}

/** pool × workers × instances + reserved: the connections an environment can open at its peak. */
export function connectionBudget(spec: Spec) {
  const pool = spec.litellm.general_settings.database_connection_pool_limit ?? 10;
  const workers = spec.gateway.num_workers;
  const peak = peakInstances(spec);
  const instances = peak.count;
  const reserved = spec.postgres.reserved_connections;
  const total = pool * workers * instances + reserved;
  const text = `${pool} pool × ${workers} workers × ${instances} ${peak.unit} + ${reserved} reserved = ${total}`;
  return { pool, workers, instances, reserved, total, max: spec.postgres.max_connections, text };
}

export default rule(import.meta.url, {
  severity: "error",
  info: 'Postgres refuses connections past max_connections ("too many clients"): every request needing the database then fails.',
  fix: "Raise postgres.max_connections, or lower database_connection_pool_limit, num_workers or instances (kubernetes.replicas.max) until the total fits.",
  check: ({ env }) => {
    const b = connectionBudget(env.spec);
    return b.total > b.max ? violation("postgres.max_connections", `${b.text} > max_connections ${b.max}`) : ok;
  },
});
