import { ok, rule, type Violation } from "./rule.ts";

export default rule(import.meta.url, {
  severity: "error",
  info: "Long-running workers grow in memory; recycling them all at once (no jitter) drops capacity to zero.",
  fix: "Set gateway.max_requests_before_restart: 10000 and, with more than one worker, max_requests_before_restart_jitter (e.g. 1000).",
  check: ({ env }) => {
    const g = env.spec.gateway;
    const out: Violation[] = [];
    if (g.max_requests_before_restart === undefined) out.push({ path: "gateway.max_requests_before_restart", message: "workers are never recycled" });
    if (g.num_workers > 1 && g.max_requests_before_restart_jitter === 0) {
      out.push({ path: "gateway.max_requests_before_restart_jitter", message: `0 with ${g.num_workers} workers: they would recycle together` });
    }
    return out.length ? out : ok;
  },
});
