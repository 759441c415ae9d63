// What a LiteLLM config asks for that the bundled gateway does not do, and what it does instead. The gateway
// logs it as its start-up summary; `gatekit validate` reports it as a warning (LiteLLM's own image serves it).
import { knownPrefixes } from "../providers/index.ts";
import { LITELLM_ONLY, SERVED_MODES } from "./litellm-only.ts";
import { IMPLEMENTED } from "./load.ts";
import { isLitellmProvider, isPatternName, providerOf } from "./model-names.ts";
import type { LitellmConfig } from "./schema.ts";

export interface NotServed {
  /** Where, in LiteLLM's terms: `router_settings.routing_strategy`, `model_list[*].litellm_params.tags`. */
  path: string;
  what: string;
  /** What the gateway does instead. */
  instead: string;
}

const SECTIONS = ["litellm_settings", "router_settings", "general_settings"] as const;
const STRATEGIES = new Set(["simple-shuffle", "least-busy", "latency-based-routing"]);
/** Callbacks whose job the gateway does another way. */
const CALLBACK_INSTEAD: Record<string, string> = { prometheus: "ignored; gatekit's /metrics serves LiteLLM's Prometheus metrics" };

export function notServed(cfg: LitellmConfig): NotServed[] {
  const out: NotServed[] = [];
  const strategy = cfg.router_settings.routing_strategy;
  if (strategy && !STRATEGIES.has(strategy)) out.push({ path: "router_settings.routing_strategy", what: `${strategy} is not implemented by gatekit yet`, instead: "using simple-shuffle" });
  for (const key of LITELLM_ONLY.top) if ((cfg as Record<string, unknown>)[key] !== undefined) out.push({ path: key, what: "not implemented by gatekit", instead: "ignored" });
  for (const s of SECTIONS) {
    for (const key of Object.keys(cfg[s])) {
      const path = `${s}.${key}`;
      if (IMPLEMENTED.has(path) || (cfg[s] as Record<string, unknown>)[key] === undefined) continue;
      if (path === "router_settings.routing_strategy") continue;
      const names = key.endsWith("callback") || key === "callbacks" ? ((cfg[s] as Record<string, string[]>)[key] ?? []) : [];
      if (names.length) for (const n of names) out.push({ path, what: `${n} is not implemented by gatekit yet`, instead: CALLBACK_INSTEAD[n] ?? "ignored" });
      else out.push({ path, what: "not implemented by gatekit yet", instead: "ignored" });
    }
  }
  out.push(...perDeployment(cfg));
  return out;
}

/** Deployment findings, one per kind (not one per deployment), naming the model groups. */
function perDeployment(cfg: LitellmConfig): NotServed[] {
  const groups = new Map<string, { n: NotServed; names: Set<string> }>();
  const add = (key: string, n: NotServed, name: string) => (groups.get(key) ?? groups.set(key, { n, names: new Set() }).get(key)!).names.add(name);
  const served = new Set(knownPrefixes());
  for (const d of cfg.model_list) {
    const p = d.litellm_params;
    for (const key of LITELLM_ONLY.litellm_params) {
      if ((p as Record<string, unknown>)[key] !== undefined) add(`param:${key}`, { path: `model_list[*].litellm_params.${key}`, what: "not implemented by gatekit", instead: "ignored" }, d.model_name);
    }
    const mode = d.model_info?.mode;
    if (mode && !(SERVED_MODES as readonly string[]).includes(mode)) add(`mode:${mode}`, { path: "model_list[*].model_info.mode", what: `${mode} is not served by gatekit`, instead: "requests to these groups answer 400" }, d.model_name);
    if (p.mock_response !== undefined || isPatternName(d.model_name) && p.model.includes("*") && !p.model.includes("/")) continue;
    const { provider } = providerOf(p.model, p.custom_llm_provider);
    if (!served.has(provider)) {
      const what = isLitellmProvider(provider) ? `provider ${provider} is not implemented by gatekit` : `provider ${provider} is not one LiteLLM knows`;
      add(`provider:${provider}`, { path: "model_list[*].litellm_params.model", what, instead: "requests to these groups answer 400" }, d.model_name);
    }
  }
  return [...groups.values()].map(({ n, names }) => ({ ...n, instead: `${n.instead} (${[...names].join(", ")})` }));
}
