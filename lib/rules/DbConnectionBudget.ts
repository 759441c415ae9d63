import { ROLLING_SURGE } from "../k8s/pod.ts";
import { ok, rule, violation } from "./rule.ts";
import type { Spec } from "../spec/schema.ts";

/**
 * How many gateway processes can run at once: Docker instances, or on Kubernetes the HPA's maximum plus the pod a
 * rolling update surges above it (maxSurge), which opens its pools before an old pod lets go of its own.
 */
export function peakInstances(spec: Spec): { count: number; unit: string; surge: number } {
  if (spec.target === "kubernetes") {
    const max = spec.kubernetes.replicas.max;
    return { count: max + ROLLING_SURGE, surge: ROLLING_SURGE, unit: `${max === 1 ? "replica" : "replicas"} (HPA max)` };
  }
  // Terraform replaces a Docker container by stopping the old one first: no surge.
  const n = spec.gateway.instances;
  return { count: n, surge: 0, unit: n === 1 ? "instance" : "instances" };
}

/** pool × workers × (instances + surge) + reserved: the connections an environment can open at its peak. */
export function connectionBudget(spec: Spec) {
  const pool = spec.litellm.general_settings.database_connection_pool_limit ?? 10;
  const workers = spec.gateway.num_workers;
  const peak = peakInstances(spec);
  const instances = peak.count;
  const reserved = spec.postgres.reserved_connections;
  const total = pool * workers * instances + reserved;
  const pods = peak.surge ? `(${instances - peak.surge} ${peak.unit} + ${peak.surge} rolling-update surge)` : `${instances} ${peak.unit}`;
  const text = `${pool} pool × ${workers} workers × ${pods} + ${reserved} reserved = ${total}`;
  return { pool, workers, instances, surge: peak.surge, reserved, total, max: spec.postgres.max_connections, text };
}

export default rule(import.meta.url, {
  severity: "error",
  info: 'Postgres refuses connections past max_connections ("too many clients"): every request needing the database then fails — counted at the peak, including the pod a rolling update adds on Kubernetes.',
  fix: "Raise postgres.max_connections, or lower database_connection_pool_limit, num_workers or instances (kubernetes.replicas.max; a rollout adds one pod above it) until the total fits.",
  check: ({ env }) => {
    const b = connectionBudget(env.spec);
    return b.total > b.max ? violation("postgres.max_connections", `${b.text} > max_connections ${b.max}`) : ok;
  },
});
