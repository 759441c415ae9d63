import { ok, rule, violation } from "./rule.ts";

export default rule(import.meta.url, {
  severity: "error",
  info: "Instances without a shared Redis keep their own cooldowns, rate limits and cache: limits multiply and failing deployments keep getting traffic.",
  fix: "Add a redis: section and point router_settings redis_host/redis_port/redis_password at it.",
  check: ({ env }) => {
    const { gateway, redis, litellm } = env.spec;
    if (gateway.instances <= 1) return ok;
    if (!redis) return violation("redis", `${gateway.instances} instances and no Redis`);
    return litellm.router_settings.redis_host ? ok : violation("litellm.router_settings.redis_host", `${gateway.instances} instances do not share router state`);
  },
});
