import { ok, rule, type Violation } from "./rule.ts";

export default rule(import.meta.url, {
  severity: "error",
  info: "One retry count for all errors retries bad credentials (never succeeds, burns quota) as eagerly as timeouts.",
  fix: "Set litellm.router_settings.retry_policy with AuthenticationErrorRetries: 0, TimeoutErrorRetries: 3, RateLimitErrorRetries: 3.",
  check: ({ env }) => {
    const path = "litellm.router_settings.retry_policy";
    const policy = env.spec.litellm.router_settings.retry_policy;
    if (!policy) return [{ path, message: "no retry policy per error type" }];
    const out: Violation[] = [];
    if (policy.AuthenticationErrorRetries !== 0) out.push({ path: `${path}.AuthenticationErrorRetries`, message: `${policy.AuthenticationErrorRetries ?? "not set"}; must be 0 (a wrong key never succeeds on retry)` });
    for (const k of ["TimeoutErrorRetries", "RateLimitErrorRetries"] as const) {
      if (policy[k] === undefined) out.push({ path: `${path}.${k}`, message: "not set" });
    }
    return out.length ? out : ok;
  },
});
