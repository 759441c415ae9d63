import { ok, rule, type Violation } from "./rule.ts";

export default rule(import.meta.url, {
  severity: "error",
  info: "A request timeout below a model's own timeout cuts off slow (reasoning) models mid-answer.",
  fix: "Set litellm.litellm_settings.request_timeout: 600, and keep every model's timeout and stream_timeout at or below it.",
  check: ({ env }) => {
    const { litellm } = env.spec;
    const limit = litellm.litellm_settings.request_timeout;
    if (limit === undefined) return [{ path: "litellm.litellm_settings.request_timeout", message: "not set (reference: 600 s)" }];
    const out: Violation[] = [];
    litellm.model_list.forEach((m, i) => {
      for (const key of ["timeout", "stream_timeout"] as const) {
        const t = m.litellm_params[key];
        if (t !== undefined && t > limit) out.push({ path: `litellm.model_list[${i}].litellm_params.${key}`, message: `${m.model_name}: ${key} ${t} s > request_timeout ${limit} s` });
      }
    });
    return out.length ? out : ok;
  },
});
