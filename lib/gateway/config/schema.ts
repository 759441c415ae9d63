// LiteLLM's proxy config.yaml, as gatekit reads it. One schema serves two readers: the gateway at start-up
// (unknown settings are reported as not implemented) and the environment spec (unknown settings are typos).
import { z } from "zod";
import { LITELLM_MODES, LITELLM_ONLY, litellmOnly } from "./litellm-only.ts";

/** `os.environ/NAME`: LiteLLM's way of naming a secret held in an environment variable. */
export const ENV_REF = /^os\.environ\/([A-Za-z_][A-Za-z0-9_]*)$/;
export const envRef = z.string().regex(ENV_REF, "must be a reference of the form os.environ/VARIABLE_NAME");
export const isEnvRef = (v: unknown): v is string => typeof v === "string" && ENV_REF.test(v);
export const envRefName = (v: string): string | undefined => ENV_REF.exec(v)?.[1];

// LiteLLM coerces with pydantic's lax mode: "30" is a number, "true"/"yes"/1 a boolean, 6379 a string where
// one is expected, a lone string a one-item list. Both readers (gateway and spec) accept these forms.
const NUMERIC = /^[-+]?(?:\d[\d_]*)?\.?\d*(?:[eE][-+]?\d+)?$/;
const BOOLEANS: Record<string, boolean> = { true: true, false: false, yes: true, no: false, on: true, off: false, "1": true, "0": false, t: true, f: false, y: true, n: false };
const toNumber = (v: unknown) => (typeof v === "string" && v.trim() && NUMERIC.test(v.trim()) ? Number(v.trim().replace(/_/g, "")) : v);
const toBoolean = (v: unknown) => (typeof v === "string" ? (BOOLEANS[v.trim().toLowerCase()] ?? v) : v === 0 || v === 1 ? v === 1 : v);
const toText = (v: unknown) => (typeof v === "number" || typeof v === "boolean" ? String(v) : v);
export const num = (inner: z.ZodNumber = z.number()) => z.preprocess(toNumber, inner);
export const bool = () => z.preprocess(toBoolean, z.boolean());
export const text = () => z.preprocess(toText, z.string());
export const textList = () => z.preprocess((v) => (typeof v === "string" ? [v] : v), z.array(text()));
/** A URL, or (in a spec, where it is not resolved) the reference it will be read from. */
const url = () => z.union([envRef, z.string().url()]);

const seconds = num(z.number().positive());
const count = num(z.number().int().nonnegative());

export const litellmParams = z.object({
  /** `<provider>/<model>`, e.g. `openai/gpt-4o-mini`, `gemini/gemini-2.0-flash`, `ollama_chat/llama3.1`. */
  model: z.string().min(1),
  api_base: url().optional(),
  api_key: text().optional(),
  api_version: text().optional(),
  organization: text().optional(),
  /** The provider when `model` has no prefix LiteLLM knows (LiteLLM's `custom_llm_provider`). */
  custom_llm_provider: z.string().optional(),
  rpm: count.optional(),
  tpm: count.optional(),
  weight: num(z.number().positive()).optional(),
  timeout: seconds.optional(),
  stream_timeout: seconds.optional(),
  max_retries: count.optional(),
  /** Answer with this text instead of calling a provider (LiteLLM's mock). */
  mock_response: text().optional(),
  input_cost_per_token: num(z.number().nonnegative()).optional(),
  output_cost_per_token: num(z.number().nonnegative()).optional(),
  extra_headers: z.record(z.string(), text()).optional(),
  /** true: fields the provider does not accept are dropped; a list: these fields are always dropped. */
  drop_params: z.union([bool(), textList()]).optional(),
  additional_drop_params: textList().optional(),
  // Azure
  azure_ad_token: text().optional(),
  // Bedrock (and SigV4 generally)
  aws_access_key_id: text().optional(),
  aws_secret_access_key: text().optional(),
  aws_session_token: text().optional(),
  aws_region_name: text().optional(),
  // Vertex AI
  vertex_project: text().optional(),
  vertex_location: text().optional(),
  /** A service-account key: its JSON text, the parsed object, or a path to the file. */
  vertex_credentials: z.union([text(), z.record(z.string(), z.unknown())]).optional(),
  ...litellmOnly(LITELLM_ONLY.litellm_params),
});

export const modelInfo = z.looseObject({
  id: z.string().optional(),
  /** LiteLLM's modes; the gateway serves SERVED_MODES and reports the others at start-up. */
  mode: z.string().optional(),
  base_model: z.string().optional(),
  max_tokens: count.optional(),
  max_input_tokens: count.optional(),
});

export const deployment = z.object({
  model_name: z.string().min(1),
  litellm_params: litellmParams,
  model_info: modelInfo.optional(),
});

const fallbackList = z.array(z.record(z.string(), z.array(z.string())));

export const ROUTING_STRATEGIES = [
  "simple-shuffle",
  "least-busy",
  "latency-based-routing",
  "usage-based-routing",
  "usage-based-routing-v2",
  "cost-based-routing",
] as const;

export const RETRY_POLICY_KEYS = [
  "AuthenticationErrorRetries",
  "TimeoutErrorRetries",
  "RateLimitErrorRetries",
  "ContentPolicyViolationErrorRetries",
  "InternalServerErrorRetries",
  "BadRequestErrorRetries",
] as const;

/** Not strict: LiteLLM ignores a field it does not know (the spec reports it as a typo, the gateway warns). */
export const retryPolicy = z.object(
  Object.fromEntries(RETRY_POLICY_KEYS.map((k) => [k, count.optional()])) as Record<
    (typeof RETRY_POLICY_KEYS)[number],
    z.ZodOptional<typeof count>
  >,
);

/** The alert types gatekit sends (LiteLLM's names). */
export const ALERT_TYPES = ["llm_exceptions", "llm_too_slow", "budget_alerts", "cooldown_deployment", "db_exceptions"] as const;
export type AlertType = (typeof ALERT_TYPES)[number];

export const cacheParams = z.object({
  type: z.enum(["redis", "local", "redis-semantic", "s3", "disk"]).default("redis"),
  host: z.string().optional(),
  port: z.union([z.number().int(), z.string()]).optional(),
  password: text().optional(),
  /** LiteLLM accepts a URL too; the production rules refuse it (an unreachable URL-configured Redis hangs requests). */
  url: z.string().optional(),
  namespace: z.string().optional(),
  ttl: seconds.optional(),
  supported_call_types: textList().optional(),
});

export const litellmSettings = z.object({
  drop_params: z.union([bool(), textList()]).optional(),
  set_verbose: bool().optional(),
  json_logs: bool().optional(),
  request_timeout: seconds.optional(),
  num_retries: count.optional(),
  cache: bool().optional(),
  cache_params: cacheParams.optional(),
  success_callback: textList().optional(),
  failure_callback: textList().optional(),
  callbacks: textList().optional(),
  fallbacks: fallbackList.optional(),
  context_window_fallbacks: fallbackList.optional(),
  content_policy_fallbacks: fallbackList.optional(),
  default_fallbacks: z.array(z.string()).optional(),
  allowed_fails: count.optional(),
  cooldown_time: seconds.optional(),
  max_budget: num(z.number().nonnegative()).optional(),
  turn_off_message_logging: bool().optional(),
  redact_user_api_key_info: bool().optional(),
  ...litellmOnly(LITELLM_ONLY.litellm_settings),
});

export const routerSettings = z.object({
  routing_strategy: z.enum(ROUTING_STRATEGIES).optional(),
  routing_strategy_args: z
    .object({ ttl: seconds.optional(), lowest_latency_buffer: num(z.number().nonnegative()).optional() })
    .optional(),
  num_retries: count.optional(),
  retry_policy: retryPolicy.optional(),
  retry_after: num(z.number().nonnegative()).optional(),
  allowed_fails: count.optional(),
  allowed_fails_policy: z.record(z.string(), count).optional(),
  cooldown_time: seconds.optional(),
  timeout: seconds.optional(),
  stream_timeout: seconds.optional(),
  fallbacks: fallbackList.optional(),
  context_window_fallbacks: fallbackList.optional(),
  content_policy_fallbacks: fallbackList.optional(),
  default_fallbacks: z.array(z.string()).optional(),
  max_fallbacks: count.optional(),
  enable_pre_call_checks: bool().optional(),
  redis_host: text().optional(),
  redis_port: z.union([z.number().int(), z.string()]).optional(),
  redis_password: text().optional(),
  /** Accepted for compatibility; refused by the production rules. */
  redis_url: z.string().optional(),
  ...litellmOnly(LITELLM_ONLY.router_settings),
});

export const generalSettings = z.object({
  master_key: text().optional(),
  database_url: text().optional(),
  database_connection_pool_limit: num(z.number().int().positive()).optional(),
  database_connection_timeout: seconds.optional(),
  proxy_batch_write_at: seconds.optional(),
  disable_error_logs: bool().optional(),
  disable_spend_logs: bool().optional(),
  allow_requests_on_db_unavailable: bool().optional(),
  user_api_key_cache_ttl: seconds.optional(),
  store_model_in_db: bool().optional(),
  alerting: textList().optional(),
  alerting_threshold: seconds.optional(),
  /** LiteLLM's alert type names; gatekit acts on ALERT_TYPES and reports the others. */
  alert_types: textList().optional(),
  alerting_args: z
    .object({ flush_interval: seconds.optional(), outage_alert_ttl: seconds.optional(), budget_alert_ttl: seconds.optional() })
    .optional(),
  background_health_checks: bool().optional(),
  health_check_interval: seconds.optional(),
  max_request_size_mb: num(z.number().positive()).optional(),
  max_parallel_requests: num(z.number().int().positive()).optional(),
  ...litellmOnly(LITELLM_ONLY.general_settings),
});

export const litellmConfig = z.object({
  model_list: z.array(deployment).default([]),
  litellm_settings: litellmSettings.default({}),
  router_settings: routerSettings.default({}),
  general_settings: generalSettings.default({}),
  /** LiteLLM sets each as a process variable, so a number or boolean becomes its text (`REDIS_PORT: 6379`). */
  environment_variables: z.record(z.string(), text()).default({}),
  ...litellmOnly(LITELLM_ONLY.top),
});

export type LitellmConfig = z.infer<typeof litellmConfig>;
export type Deployment = z.infer<typeof deployment>;
export type LitellmParams = z.infer<typeof litellmParams>;
export type RouterSettings = z.infer<typeof routerSettings>;
export type RetryPolicyKey = (typeof RETRY_POLICY_KEYS)[number];

/**
 * Keys present in `value` that `schema` does not declare, as dotted paths. The schema strips such keys
 * silently; callers decide whether they are typos (the spec) or settings not implemented (the gateway).
 */
export function unknownKeys(schema: z.ZodType, value: unknown, path: (string | number)[] = []): (string | number)[][] {
  const s = unwrap(schema);
  if (s instanceof z.ZodObject) {
    if (!isPlainObject(value)) return [];
    const shape = s.shape as Record<string, z.ZodType>;
    const loose = s.def.catchall !== undefined && !(s.def.catchall instanceof z.ZodNever);
    return Object.entries(value).flatMap(([k, v]) =>
      k in shape ? unknownKeys(shape[k]!, v, [...path, k]) : loose ? [] : [[...path, k]],
    );
  }
  if (s instanceof z.ZodArray && Array.isArray(value)) {
    return value.flatMap((v, i) => unknownKeys(s.element as z.ZodType, v, [...path, i]));
  }
  return [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s: z.ZodType = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodDefault || s instanceof z.ZodNullable) {
    s = s.def.innerType as z.ZodType;
  }
  return s;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** model_info.mode values neither LiteLLM nor gatekit knows: typos in a spec (the gateway, as LiteLLM, ignores them). */
export function unknownModes(cfg: { model_list: { model_info?: { mode?: string } }[] }): { path: (string | number)[]; message: string }[] {
  const known: readonly string[] = LITELLM_MODES;
  return cfg.model_list.flatMap((d, i) => {
    const mode = d.model_info?.mode;
    if (mode === undefined || known.includes(mode)) return [];
    const close = known.filter((k) => k.startsWith(mode.slice(0, 3)));
    return [{ path: ["model_list", i, "model_info", "mode"], message: `unknown mode ${mode} (${close.length ? `did you mean ${close.join(" or ")}?` : `LiteLLM's modes: ${known.join(", ")}`})` }];
  });
}
