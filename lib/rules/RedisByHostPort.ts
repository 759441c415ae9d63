import { ok, rule, type Violation } from "./rule.ts";

export default rule(import.meta.url, {
  severity: "error",
  info: "A URL-configured Redis that is unreachable hangs every request; host/port/password fails fast and is bypassed.",
  fix: "Configure Redis with host, port and password (cache_params and router_settings redis_host/redis_port/redis_password), not a URL.",
  check: ({ env }) => {
    const { litellm_settings: ls, router_settings: rs } = env.spec.litellm;
    const out: Violation[] = [];
    if (ls.cache_params?.url) out.push({ path: "litellm.litellm_settings.cache_params.url", message: "Redis configured by URL" });
    if (rs.redis_url) out.push({ path: "litellm.router_settings.redis_url", message: "Redis configured by URL" });
    if (ls.cache && ls.cache_params?.type === "redis" && !(ls.cache_params.host && ls.cache_params.port && ls.cache_params.password)) {
      out.push({ path: "litellm.litellm_settings.cache_params", message: "a Redis cache needs host, port and password" });
    }
    return out.length ? out : ok;
  },
});
