import { ok, rule, violation } from "./rule.ts";

/** With RDB or AOF persistence: the share of the container's memory limit maxmemory may take. */
export const PERSISTENT_MAXMEMORY_SHARE = 0.75;
/** Without persistence Redis still needs room above maxmemory for client buffers and fragmentation. */
export const VOLATILE_MAXMEMORY_SHARE = 0.9;
const mib = (b: number) => `${Math.round(b / 1024 ** 2)} MiB`;

export default rule(import.meta.url, {
  severity: "error",
  info: "maxmemory bounds only the dataset. An RDB snapshot or AOF rewrite forks Redis, and every page written meanwhile is copied (copy-on-write): with maxmemory near the container's memory limit the fork pushes it over and the kernel OOM-kills Redis — cache, rate limits and shared cooldowns gone at once.",
  fix: "Keep redis.maxmemory ≤ 75% of redis.memory_limit when persistence is rdb or aof (the rest is for the fork's copy-on-write pages, client buffers and fragmentation), ≤ 90% with persistence: none: lower maxmemory or raise memory_limit.",
  check: ({ env }) => {
    const { redis } = env.spec;
    // A managed Redis (a cloud service) runs in no container of ours: its memory is the provider's to size.
    if (!redis || (env.spec.target === "kubernetes" && env.spec.kubernetes.redis.mode === "managed")) return ok;
    const persistent = redis.persistence !== "none";
    const share = persistent ? PERSISTENT_MAXMEMORY_SHARE : VOLATILE_MAXMEMORY_SHARE;
    const limit = Math.floor(redis.memory_limit * share);
    if (redis.maxmemory <= limit) return ok;
    const why = persistent ? `persistence ${redis.persistence} forks Redis` : "Redis needs room above its dataset";
    return violation("redis.maxmemory", `maxmemory ${mib(redis.maxmemory)} > ${share * 100}% of memory_limit ${mib(redis.memory_limit)} (${mib(limit)}): ${why}`);
  },
});
