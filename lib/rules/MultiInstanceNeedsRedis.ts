import { peakInstances } from "./DbConnectionBudget.ts";
import { ok, rule, violation } from "./rule.ts";

export default rule(import.meta.url, {
  severity: "error",
  info: "Instances without a shared Redis keep their own cooldowns, rate limits and cache: limits multiply and failing deployments keep getting traffic.",
  fix: "Add a redis: section and point router_settings redis_host/redis_port/redis_password at it.",
  check: ({ env }) => {
    const { redis, litellm } = env.spec;
    // The instances that serve side by side; a rollout's surge pod alone does not need shared state.
    const peak = peakInstances(env.spec);
    const count = peak.count - peak.surge;
    if (count <= 1) return ok;
    if (!redis) return violation("redis", `${count} ${peak.unit} and no Redis`);
    return litellm.router_settings.redis_host ? ok : violation("litellm.router_settings.redis_host", `${count} ${peak.unit} do not share router state`);
  },
});
