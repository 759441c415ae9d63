import { ok, rule, violation } from "./rule.ts";

export default rule(import.meta.url, {
  severity: "error",
  info: "Without a pool limit each worker opens connections on demand and exhausts Postgres under load.",
  fix: "Set litellm.general_settings.database_connection_pool_limit: 10 (connections per worker).",
  check: ({ env }) => {
    const limit = env.spec.litellm.general_settings.database_connection_pool_limit;
    if (limit === undefined) return violation("litellm.general_settings.database_connection_pool_limit", "not set: each worker's pool is unbounded");
    return limit > 10 ? violation("litellm.general_settings.database_connection_pool_limit", `${limit} per worker; the reference is 10`) : ok;
  },
});
