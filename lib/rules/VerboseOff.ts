import { ok, rule, violation } from "./rule.ts";

export default rule(import.meta.url, {
  severity: "error",
  info: "set_verbose logs whole prompts and responses: slow, and a data leak.",
  fix: "Remove litellm.litellm_settings.set_verbose or set it to false.",
  check: ({ env }) => (env.spec.litellm.litellm_settings.set_verbose ? violation("litellm.litellm_settings.set_verbose", "verbose logging is on") : ok),
});
