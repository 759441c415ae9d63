import { ok, rule, type Violation } from "./rule.ts";

/** A worker's steady-state footprint plus headroom, and the primary's: what a gateway container needs. */
export const BYTES_PER_WORKER = 384 * 1024 ** 2;
export const PRIMARY_BYTES = 128 * 1024 ** 2;
const gb = (b: number) => `${(b / 1024 ** 3).toFixed(2)} GiB`;

export default rule(import.meta.url, {
  severity: "error",
  info: "A gateway container without enough memory is OOM-killed under load; containers that together exceed the host swap or get killed.",
  fix: "Set gateway.memory_limit to at least 384 MiB per worker + 128 MiB, and keep all containers' limits (every gateway instance, Postgres, Redis, the load balancer when instances > 1, Prometheus when configured) within host.memory.",
  check: ({ env }) => {
    const { gateway, postgres, redis } = env.spec;
    const needed = gateway.num_workers * BYTES_PER_WORKER + PRIMARY_BYTES;
    const out: Violation[] = [];
    if (gateway.memory_limit === undefined) out.push({ path: "gateway.memory_limit", message: `no memory limit (needs ≥ ${gb(needed)})` });
    else if (gateway.memory_limit < needed) out.push({ path: "gateway.memory_limit", message: `${gb(gateway.memory_limit)} < ${gb(needed)} for ${gateway.num_workers} workers` });
    // A cluster schedules pods on many nodes; only one Docker host has to hold every container.
    if (env.spec.target !== "docker") return out.length ? out : ok;
    const { host, gateway: { instances } } = env.spec;
    // Every container the stack runs on the host (resolve.ts): the instances, the data services, the balancer
    // in front of several instances, and Prometheus when monitoring is on.
    const each = gateway.memory_limit ?? needed;
    const parts: [string, number][] = [
      [instances === 1 ? `gateway ${gb(each)}` : `gateway ${instances} × ${gb(each)}`, each * instances],
      [`postgres ${gb(postgres.memory_limit)}`, postgres.memory_limit],
      ...(redis ? [[`redis ${gb(redis.memory_limit)}`, redis.memory_limit] as [string, number]] : []),
      ...(instances > 1 ? [[`load balancer ${gb(env.spec.load_balancer.memory_limit)}`, env.spec.load_balancer.memory_limit] as [string, number]] : []),
      ...(env.spec.monitoring.prometheus ? [[`prometheus ${gb(env.spec.monitoring.prometheus.memory_limit)}`, env.spec.monitoring.prometheus.memory_limit] as [string, number]] : []),
    ];
    const total = parts.reduce((sum, [, b]) => sum + b, 0);
    if (total > host.memory) {
      const sum = parts.map(([n]) => n).join(" + ");
      out.push({ path: "host.memory", message: `containers' limits total ${gb(total)} (${sum}) > host memory ${gb(host.memory)}` });
    }
    return out.length ? out : ok;
  },
});
