import { ok, rule, violation } from "./rule.ts";

export default rule(import.meta.url, {
  severity: "warning",
  info: "Writing spend on every request turns the database into the bottleneck of the hot path.",
  fix: "Set litellm.general_settings.proxy_batch_write_at: 60 (seconds between batched spend writes).",
  check: ({ env }) => {
    const at = env.spec.litellm.general_settings.proxy_batch_write_at;
    return at === undefined || at < 60 ? violation("litellm.general_settings.proxy_batch_write_at", `${at ?? "not set"}; batch spend writes every 60 s`) : ok;
  },
});
