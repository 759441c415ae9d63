import { worstCaseSeconds } from "../model/timeouts.ts";
import { ok, rule, type Violation } from "./rule.ts";

export { worstCaseSeconds };

export default rule(import.meta.url, {
  severity: "error",
  info: "A graceful shutdown shorter than the request timeout cuts off in-flight requests on every deploy and recycle.",
  fix: "Set gateway.graceful_shutdown_timeout ≥ request_timeout (3600 s for 600 s reasoning requests), and bound retries × fallbacks.",
  check: ({ env }) => {
    const w = worstCaseSeconds(env.spec);
    const grace = env.spec.gateway.graceful_shutdown_timeout;
    const out: Violation[] = [];
    if (grace < w.timeout) out.push({ path: "gateway.graceful_shutdown_timeout", message: `${grace} s < request_timeout ${w.timeout} s` });
    const bound = 4 * 3600;
    if (w.total > bound) {
      out.push({ path: "litellm.router_settings.num_retries", message: `worst case ${w.timeout} s × (1 + ${w.retries} retries) × (1 + ${w.fallbacks} fallbacks) = ${w.total} s > ${bound} s` });
    }
    return out.length ? out : ok;
  },
});
