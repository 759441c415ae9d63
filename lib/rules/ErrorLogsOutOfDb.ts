import { ok, rule, violation } from "./rule.ts";

export default rule(import.meta.url, {
  severity: "warning",
  info: "Error logs written to Postgres grow without bound during a provider outage and slow the database.",
  fix: "Set litellm.general_settings.disable_error_logs: true (errors go to the JSON logs and metrics).",
  check: ({ env }) =>
    env.spec.litellm.general_settings.disable_error_logs === true ? ok : violation("litellm.general_settings.disable_error_logs", "error logs are written to the database"),
});
