import { ok, rule, violation } from "./rule.ts";

export default rule(import.meta.url, {
  severity: "warning",
  info: "Plain-text logs can't be parsed reliably by log pipelines and alerting.",
  fix: "Set litellm.litellm_settings.json_logs: true.",
  check: ({ env }) => (env.spec.litellm.litellm_settings.json_logs === true ? ok : violation("litellm.litellm_settings.json_logs", "logs are not JSON")),
});
