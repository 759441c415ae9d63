import { ok, rule, violation } from "./rule.ts";

export default rule(import.meta.url, {
  severity: "warning",
  info: "Strategies other than simple-shuffle need shared state on every request and cost latency.",
  fix: "Set litellm.router_settings.routing_strategy: simple-shuffle (weights via rpm/tpm/weight).",
  check: ({ env }) => {
    const s = env.spec.litellm.router_settings.routing_strategy;
    return s === undefined || s === "simple-shuffle" ? ok : violation("litellm.router_settings.routing_strategy", `${s}; the reference is simple-shuffle`);
  },
});
