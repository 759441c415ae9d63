// LiteLLM's proxy config.yaml, as gatekit reads it. One schema serves two readers: the gateway at start-up
// (unknown settings are reported as not implemented) and the environment spec (unknown settings are typos).
import { z } from "zod";

/** `os.environ/NAME`: LiteLLM's way of naming a secret held in an environment variable. */
export const ENV_REF = /^os\.environ\/([A-Za-z_][A-Za-z0-9_]*)$/;
export const envRef = z.string().regex(ENV_REF, "must be a reference of the form os.environ/VARIABLE_NAME");
export const isEnvRef = (v: unknown): v is string => typeof v === "string" && ENV_REF.test(v);
export const envRefName = (v: string): string | undefined => ENV_REF.exec(v)?.[1];

const seconds = z.number().positive();
const count = z.number().int().nonnegative();

export const litellmParams = z.object({
  /** `<provider>/<model>`, e.g. `openai/gpt-4o-mini`, `gemini/gemini-2.0-flash`, `ollama_chat/llama3.1`. */
  model: z.string().min(1),
  api_base: z.string().url().optional(),
  api_key: z.string().optional(),
  api_version: z.string().optional(),
  organization: z.string().optional(),
  rpm: count.optional(),
  tpm: count.optional(),
  weight: z.number().positive().optional(),
  timeout: seconds.optional(),
  stream_timeout: seconds.optional(),
  max_retries: count.optional(),
  /** Answer with this text instead of calling a provider (LiteLLM's mock). */
  mock_response: z.string().optional(),
  input_cost_per_token: z.number().nonnegative().optional(),
  output_cost_per_token: z.number().nonnegative().optional(),
  extra_headers: z.record(z.string(), z.string()).optional(),
  drop_params: z.boolean().optional(),
});

export const modelInfo = z.looseObject({
  id: z.string().optional(),
  mode: z.enum(["chat", "completion", "embedding"]).optional(),
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

export const retryPolicy = z.strictObject(
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
  password: z.string().optional(),
  /** LiteLLM accepts a URL too; the production rules refuse it (an unreachable URL-configured Redis hangs requests). */
  url: z.string().optional(),
  namespace: z.string().optional(),
  ttl: seconds.optional(),
  supported_call_types: z.array(z.string()).optional(),
});

export const litellmSettings = z.object({
  drop_params: z.boolean().optional(),
  set_verbose: z.boolean().optional(),
  json_logs: z.boolean().optional(),
  request_timeout: seconds.optional(),
  num_retries: count.optional(),
  cache: z.boolean().optional(),
  cache_params: cacheParams.optional(),
  success_callback: z.array(z.string()).optional(),
  failure_callback: z.array(z.string()).optional(),
  callbacks: z.array(z.string()).optional(),
  fallbacks: fallbackList.optional(),
  context_window_fallbacks: fallbackList.optional(),
  content_policy_fallbacks: fallbackList.optional(),
  default_fallbacks: z.array(z.string()).optional(),
  allowed_fails: count.optional(),
  cooldown_time: seconds.optional(),
  max_budget: z.number().nonnegative().optional(),
  turn_off_message_logging: z.boolean().optional(),
  redact_user_api_key_info: z.boolean().optional(),
});

export const routerSettings = z.object({
  routing_strategy: z.enum(ROUTING_STRATEGIES).optional(),
  routing_strategy_args: z
    .object({ ttl: seconds.optional(), lowest_latency_buffer: z.number().nonnegative().optional() })
    .optional(),
  num_retries: count.optional(),
  retry_policy: retryPolicy.optional(),
  retry_after: seconds.optional(),
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
  enable_pre_call_checks: z.boolean().optional(),
  redis_host: z.string().optional(),
  redis_port: z.union([z.number().int(), z.string()]).optional(),
  redis_password: z.string().optional(),
  /** Accepted for compatibility; refused by the production rules. */
  redis_url: z.string().optional(),
});

export const generalSettings = z.object({
  master_key: z.string().optional(),
  database_url: z.string().optional(),
  database_connection_pool_limit: z.number().int().positive().optional(),
  database_connection_timeout: seconds.optional(),
  proxy_batch_write_at: seconds.optional(),
  disable_error_logs: z.boolean().optional(),
  disable_spend_logs: z.boolean().optional(),
  allow_requests_on_db_unavailable: z.boolean().optional(),
  user_api_key_cache_ttl: seconds.optional(),
  store_model_in_db: z.boolean().optional(),
  alerting: z.array(z.string()).optional(),
  alerting_threshold: seconds.optional(),
  /** LiteLLM's alert type names; gatekit acts on ALERT_TYPES and reports the others. */
  alert_types: z.array(z.string()).optional(),
  alerting_args: z
    .object({ flush_interval: seconds.optional(), outage_alert_ttl: seconds.optional(), budget_alert_ttl: seconds.optional() })
    .optional(),
  background_health_checks: z.boolean().optional(),
  health_check_interval: seconds.optional(),
  max_request_size_mb: z.number().positive().optional(),
  max_parallel_requests: z.number().int().positive().optional(),
});

export const litellmConfig = z.object({
  model_list: z.array(deployment).default([]),
  litellm_settings: litellmSettings.default({}),
  router_settings: routerSettings.default({}),
  general_settings: generalSettings.default({}),
  environment_variables: z.record(z.string(), z.string()).default({}),
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
