import { ok, rule, type Violation } from "./rule.ts";

export default rule(import.meta.url, {
  severity: "error",
  info: "Outside PRODUCTION mode the gateway reads a .env file, and a chatty log level leaks request data and costs CPU.",
  fix: "Set gateway.mode: PRODUCTION (LITELLM_MODE) and gateway.log_level: ERROR (LITELLM_LOG).",
  check: ({ env }) => {
    const g = env.spec.gateway;
    const out: Violation[] = [];
    if (g.mode !== "PRODUCTION") out.push({ path: "gateway.mode", message: `LITELLM_MODE=${g.mode}` });
    if (g.log_level !== "ERROR") out.push({ path: "gateway.log_level", message: `LITELLM_LOG=${g.log_level}` });
    return out.length ? out : ok;
  },
});
