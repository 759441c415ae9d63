import { ok, rule, violation } from "./rule.ts";
import type { Spec } from "../spec/schema.ts";

/** pool × workers × instances + reserved: the connections an environment can open at its peak. */
export function connectionBudget(spec: Spec) {
  const pool = spec.litellm.general_settings.database_connection_pool_limit ?? 10;
  const { num_workers: workers, instances } = spec.gateway;
  const reserved = spec.postgres.reserved_connections;
  const total = pool * workers * instances + reserved;
  const text = `${pool} pool × ${workers} workers × ${instances} instance${instances === 1 ? "" : "s"} + ${reserved} reserved = ${total}`;
  return { pool, workers, instances, reserved, total, max: spec.postgres.max_connections, text };
}

export default rule(import.meta.url, {
  severity: "error",
  info: 'Postgres refuses connections past max_connections ("too many clients"): every request needing the database then fails.',
  fix: "Raise postgres.max_connections, or lower database_connection_pool_limit, num_workers or instances until the total fits.",
  check: ({ env }) => {
    const b = connectionBudget(env.spec);
    return b.total > b.max ? violation("postgres.max_connections", `${b.text} > max_connections ${b.max}`) : ok;
  },
});
