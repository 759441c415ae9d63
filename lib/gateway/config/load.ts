// Loading LiteLLM's config.yaml at start-up: validate, resolve `os.environ/NAME`, precompute the tables the
// request path uses. A bad config stops the gateway before it listens, naming file, path and problem.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { providerFor } from "../providers/index.ts";
import { notServed } from "./coverage.ts";
import { isPatternName, derivedId, ModelGroups, providerOf } from "./model-names.ts";
import { ALERT_TYPES, envRefName, isEnvRef, litellmConfig, unknownKeys, type AlertType, type LitellmConfig, type LitellmParams } from "./schema.ts";
import { parseLitellmYaml, withoutNulls } from "./yaml.ts";

export interface ConfigIssue {
  file: string;
  path: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(readonly issues: ConfigIssue[]) {
    super(issues.map((i) => `${i.file} ${i.path || "(file)"}: ${i.message}`).join("\n"));
    this.name = "ConfigError";
  }
}

/** model_info.mode as written (LiteLLM's modes); the gateway serves chat, completion and embedding. */
export type Mode = string;

/** One entry of model_list, ready to call: secrets resolved, provider split off, timeouts in ms. */
export interface ResolvedDeployment {
  /** model_info.id, or a stable hash of the deployment: `x-litellm-model-id`. */
  id: string;
  modelName: string;
  provider: string;
  model: string;
  params: LitellmParams;
  mode: Mode;
  weight: number;
  timeoutMs: number;
  streamTimeoutMs: number;
  /** Added with /model/new and kept in the database, rather than listed in config.yaml. */
  stored?: boolean;
}

export interface GatewayConfig {
  file?: string;
  raw: LitellmConfig;
  masterKey?: string;
  /** LITELLM_SALT_KEY, else the master key (as LiteLLM): the key stored credentials are sealed with. */
  saltKey?: string;
  /** `store_model_in_db`: deployments can be added and deleted through the admin API. */
  storeModelsInDb: boolean;
  deployments: ResolvedDeployment[];
  /** model_name → its deployments. */
  groups: Map<string, ResolvedDeployment[]>;
  requestTimeoutMs: number;
  maxBodyBytes: number;
  numRetries: number;
  /** Keys and spend in Postgres, when a database URL is configured. */
  database?: {
    url: string; poolLimit: number; connectionTimeoutMs: number; batchWriteMs: number; allowWhenDown: boolean; spendLogs: boolean;
    /** `user_api_key_cache_ttl`: how long a key look-up is trusted before the database is asked again. */
    keyCacheTtlMs: number;
  };
  /** Redis for the cache, rate limits and cooldowns: router_settings.redis_*, cache_params, or REDIS_HOST. */
  redis?: { host: string; port: number; password?: string };
  /** The response cache in Redis, when `litellm_settings.cache` is on. */
  cache?: { namespace?: string; ttlSeconds: number };
  /** Slack alerts, when `general_settings.alerting` or `litellm_settings.failure_callback` names slack. */
  alerting?: AlertingSettings;
  /** Settings present in the file that this gateway does not act on (yet): one start-up summary, a line each. */
  warnings: string[];
}

export interface AlertingSettings {
  /** SLACK_WEBHOOK_URL, a secret: never logged, never in metrics or error messages. */
  webhookUrl: string;
  types: AlertType[];
  /** `alerting_threshold`: a response slower than this alerts (llm_too_slow). */
  slowSeconds: number;
  /** Alerts are collected this long, then posted as one message. */
  flushMs: number;
  /** The same alert (kind, model, error class) is posted again at most this often; budgets have their own. */
  repeatMs: number;
  budgetRepeatMs: number;
}

/**
 * The settings a gateway runs with for a LiteLLM config, its defaults filled in — the one place those defaults
 * live. The gateway loads with it, `/gatekit/settings` reports it, and `gatekit check` computes what a spec's
 * `litellm` section should run with from it. Values as LiteLLM names them (seconds, not ms).
 */
export function effectiveSettings(cfg: LitellmConfig) {
  const { litellm_settings: ls, router_settings: rs, general_settings: gs } = cfg;
  return {
    request_timeout: ls.request_timeout ?? rs.timeout ?? 600,
    database_connection_pool_limit: gs.database_connection_pool_limit ?? 10,
    routing_strategy: rs.routing_strategy ?? "simple-shuffle",
    allowed_fails: rs.allowed_fails ?? ls.allowed_fails ?? 3,
    cooldown_time: rs.cooldown_time ?? ls.cooldown_time ?? 5,
    num_retries: rs.num_retries ?? ls.num_retries ?? 0,
    retry_policy: rs.retry_policy ?? {},
  };
}

export type EffectiveSettings = ReturnType<typeof effectiveSettings>;

/** Settings gatekit reads; others the schema knows are accepted and reported as not implemented. */
export const IMPLEMENTED: ReadonlySet<string> = new Set([
  "model_list", "litellm_settings.request_timeout", "litellm_settings.num_retries", "litellm_settings.json_logs",
  "litellm_settings.set_verbose", "litellm_settings.drop_params", "router_settings.routing_strategy",
  "router_settings.num_retries", "router_settings.timeout", "router_settings.stream_timeout", "router_settings.retry_policy",
  "router_settings.routing_strategy_args", "router_settings.allowed_fails", "router_settings.allowed_fails_policy",
  "router_settings.cooldown_time", "router_settings.fallbacks", "router_settings.context_window_fallbacks",
  "router_settings.content_policy_fallbacks", "router_settings.default_fallbacks", "router_settings.max_fallbacks",
  "litellm_settings.fallbacks", "litellm_settings.context_window_fallbacks", "litellm_settings.content_policy_fallbacks",
  "litellm_settings.default_fallbacks", "litellm_settings.allowed_fails", "litellm_settings.cooldown_time",
  "general_settings.master_key", "general_settings.max_request_size_mb", "environment_variables",
  "general_settings.database_url", "general_settings.database_connection_pool_limit", "general_settings.database_connection_timeout",
  "general_settings.proxy_batch_write_at", "general_settings.allow_requests_on_db_unavailable", "general_settings.disable_spend_logs",
  "general_settings.user_api_key_cache_ttl",
  "general_settings.disable_error_logs", "litellm_settings.cache", "litellm_settings.cache_params",
  "router_settings.redis_host", "router_settings.redis_port", "router_settings.redis_password",
  "general_settings.store_model_in_db",
  "general_settings.alerting", "general_settings.alerting_threshold", "general_settings.alert_types", "general_settings.alerting_args",
  "litellm_settings.failure_callback",
]);

export function loadGatewayConfig(opts: { file?: string; config?: unknown; env: NodeJS.ProcessEnv }): GatewayConfig {
  const file = opts.file ?? "(inline config)";
  // As LiteLLM: nulls are "not set", and `os.environ/NAME` is replaced before any value is checked.
  const written = withoutNulls(opts.config ?? readYaml(file) ?? {});
  const declared = (written as { environment_variables?: Record<string, unknown> }).environment_variables;
  const env: Record<string, string | undefined> = { ...textValues(declared), ...opts.env };
  const issues: ConfigIssue[] = [];
  const warnings: string[] = [];
  const resolved = resolveRefs(written, "", env, (p, name) => {
    // A deployment can't be called without its params (unless it answers with mock_response); elsewhere unset.
    const deployment = /^model_list\[(\d+)\]\.litellm_params/.exec(p);
    const mocked = deployment && (written as { model_list?: { litellm_params?: { mock_response?: unknown } }[] }).model_list?.[Number(deployment[1])]?.litellm_params?.mock_response !== undefined;
    if (deployment && !mocked) issues.push({ file, path: p, message: `environment variable ${name} is not set` });
    else warnings.push(`${file} ${p}: environment variable ${name} is not set; treated as unset`);
  });
  const parsed = litellmConfig.safeParse(resolved);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => ({ file, path: i.path.join("."), message: i.message })));
  }
  if (issues.length) throw new ConfigError(issues);
  const cfg = parsed.data;
  warnings.push(
    ...[...new Set(unknownKeys(litellmConfig, resolved).map(collapsed))].map((p) => `${file} ${p}: unknown setting, ignored`),
    ...notServed(cfg).map((n) => `${file} ${n.path}: ${n.what}; ${n.instead}`),
  );
  const effective = effectiveSettings(cfg);
  const requestTimeoutMs = 1000 * effective.request_timeout;
  const defaults = { drop_params: cfg.litellm_settings.drop_params };
  const make = (name: string, params: LitellmParams, info?: { id?: string; mode?: string }) =>
    toDeployment(name, params, info, requestTimeoutMs, cfg.router_settings.stream_timeout, env, defaults);
  const deployments = cfg.model_list.map((d) => make(d.model_name, d.litellm_params, d.model_info));
  const masterKey = cfg.general_settings.master_key ?? opts.env.LITELLM_MASTER_KEY;
  const gs = cfg.general_settings;
  const cp = cfg.litellm_settings.cache_params;
  const rs = cfg.router_settings;
  const redisHost = rs.redis_host ?? cp?.host ?? opts.env.REDIS_HOST;
  const databaseUrl = gs.database_url ?? opts.env.DATABASE_URL;
  const alerting = alertingSettings(cfg, env, file, warnings);
  const groups = new ModelGroups((d, name, model) => ({ ...make(name, { ...d.params, model }), id: derivedId(d.id, name), stored: d.stored }));
  for (const d of deployments) groups.set(d.modelName, [...(groups.get(d.modelName) ?? []), d]);
  return {
    file: opts.file, raw: cfg, masterKey: masterKey || undefined, saltKey: opts.env.LITELLM_SALT_KEY || masterKey || undefined,
    storeModelsInDb: gs.store_model_in_db ?? false, deployments, groups, requestTimeoutMs,
    maxBodyBytes: Math.round((cfg.general_settings.max_request_size_mb ?? 10) * 1024 * 1024),
    numRetries: effective.num_retries,
    database: databaseUrl
      ? {
          url: databaseUrl, poolLimit: effective.database_connection_pool_limit, connectionTimeoutMs: 1000 * (gs.database_connection_timeout ?? 60),
          batchWriteMs: 1000 * (gs.proxy_batch_write_at ?? 10), allowWhenDown: gs.allow_requests_on_db_unavailable ?? false, spendLogs: !gs.disable_spend_logs,
          keyCacheTtlMs: 1000 * (gs.user_api_key_cache_ttl ?? 60),
        }
      : undefined,
    redis: redisHost
      ? { host: redisHost, port: Number(rs.redis_port ?? cp?.port ?? opts.env.REDIS_PORT ?? 6379), password: rs.redis_password ?? cp?.password ?? opts.env.REDIS_PASSWORD }
      : undefined,
    cache: cfg.litellm_settings.cache && (cp?.type ?? "redis") === "redis" && redisHost ? { namespace: cp?.namespace, ttlSeconds: cp?.ttl ?? 600 } : undefined,
    alerting,
    warnings: [...new Set(warnings)],
  };
}

/** A path with list indices as `[*]`: the same unknown key in many deployments is one line. */
const collapsed = (path: (string | number)[]) => path.map((k) => (typeof k === "number" ? "[*]" : `.${k}`)).join("").slice(1).replace(/\.\[\*\]/g, "[*]");

const textValues = (vars: Record<string, unknown> | undefined) =>
  Object.fromEntries(Object.entries(vars ?? {}).filter(([, v]) => ["string", "number", "boolean"].includes(typeof v)).map(([k, v]) => [k, String(v)]));

/**
 * Puts the database's deployments in place of the ones loaded before, in the same `groups` map the router
 * reads. A stored deployment whose model group is also in config.yaml joins that group.
 */
export function setStoredDeployments(config: GatewayConfig, stored: { model_name: string; litellm_params: unknown; model_info?: unknown }[], env: NodeJS.ProcessEnv): void {
  const requestTimeoutMs = config.requestTimeoutMs;
  const defaults = { drop_params: config.raw.litellm_settings.drop_params };
  const fresh = stored.map((m) => {
    const params = resolveRefs(m.litellm_params as LitellmParams, "litellm_params", env, () => {});
    return { ...toDeployment(m.model_name, params, m.model_info as { id?: string }, requestTimeoutMs, config.raw.router_settings.stream_timeout, env, defaults), stored: true };
  });
  config.deployments = [...config.deployments.filter((d) => !d.stored), ...fresh];
  config.groups.clear();
  for (const d of config.deployments) config.groups.set(d.modelName, [...(config.groups.get(d.modelName) ?? []), d]);
}

/** LiteLLM's switches: `alerting: [slack]` sends every alert type (or `alert_types`), `failure_callback: [slack]` exceptions. */
function alertingSettings(cfg: LitellmConfig, env: Record<string, string | undefined>, file: string, warnings: string[]): AlertingSettings | undefined {
  const gs = cfg.general_settings;
  const lists = { "general_settings.alerting": gs.alerting, "litellm_settings.failure_callback": cfg.litellm_settings.failure_callback };
  for (const [path, names] of Object.entries(lists)) {
    for (const name of names ?? []) if (name !== "slack") warnings.push(`${file} ${path}: ${name} is not implemented by gatekit yet, ignored`);
  }
  const all = gs.alerting?.includes("slack") ?? false;
  const failures = cfg.litellm_settings.failure_callback?.includes("slack") ?? false;
  if (!all && !failures) return undefined;
  const where = all ? "general_settings.alerting" : "litellm_settings.failure_callback";
  const url = env.SLACK_WEBHOOK_URL;
  if (!url || !/^https?:\/\//.test(url)) {
    // The value is a secret: the message says what is wrong with it, never what it is.
    warnings.push(`${file} ${where}: slack alerts need SLACK_WEBHOOK_URL set to an http(s) URL (${url ? "it is not one" : "it is not set"}); alerts are off`);
    return undefined;
  }
  const wanted = new Set<string>(all ? (gs.alert_types ?? ALERT_TYPES) : []);
  if (failures) wanted.add("llm_exceptions");
  const types = ALERT_TYPES.filter((t) => wanted.has(t));
  for (const t of wanted) if (!types.includes(t as AlertType)) warnings.push(`${file} general_settings.alert_types: ${t} is not implemented by gatekit yet, ignored`);
  const args = gs.alerting_args ?? {};
  return {
    webhookUrl: url, types, slowSeconds: gs.alerting_threshold ?? 300, flushMs: 1000 * (args.flush_interval ?? 10),
    repeatMs: 1000 * (args.outage_alert_ttl ?? 60), budgetRepeatMs: 1000 * (args.budget_alert_ttl ?? 86_400),
  };
}

function readYaml(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError([{ file, path: "", message: `cannot read the config file (${(e as NodeJS.ErrnoException).code})` }]);
  }
  try {
    return parseLitellmYaml(text);
  } catch (e) {
    throw new ConfigError([{ file, path: "", message: `not valid YAML: ${(e as Error).message.split("\n")[0]}` }]);
  }
}

/**
 * Deep copy with every `os.environ/NAME` replaced by its value; a missing one is reported (never a value) and
 * its key left out, as unset.
 */
function resolveRefs<T>(value: T, path: string, env: Record<string, string | undefined>, missing: (path: string, name: string) => void): T {
  if (isEnvRef(value)) {
    const name = envRefName(value)!;
    if (env[name] === undefined || env[name] === "") missing(path, name);
    return (env[name] || undefined) as T;
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveRefs(v, `${path}[${i}]`, env, missing)) as T;
  if (value && typeof value === "object") {
    const entries = Object.entries(value).map(([k, v]) => [k, resolveRefs(v, path ? `${path}.${k}` : k, env, missing)] as const);
    return Object.fromEntries(entries.filter(([, v]) => v !== undefined)) as T;
  }
  return value;
}

function toDeployment(
  modelName: string, written: LitellmParams, info: { id?: string; mode?: Mode } | undefined,
  requestTimeoutMs: number, streamTimeout: number | undefined,
  env: Record<string, string | undefined>, defaults: Pick<LitellmParams, "drop_params">,
): ResolvedDeployment {
  const { provider, model } = providerOf(written.model, written.custom_llm_provider);
  // A pattern deployment is a template: its provider (and so its defaults) is known once a name matched it.
  const configure = isPatternName(modelName) ? undefined : providerFor(provider)?.configure;
  const withDefaults = { ...written, drop_params: written.drop_params ?? defaults.drop_params };
  const params = configure ? configure(withDefaults, env) : withDefaults;
  const id = info?.id ?? createHash("sha256").update(`${modelName}\0${written.model}\0${written.api_base ?? ""}`).digest("hex").slice(0, 16);
  const mode = info?.mode ?? (/embed/i.test(model) ? "embedding" : /rerank/i.test(model) ? "rerank" : "chat");
  const timeoutMs = Math.min(requestTimeoutMs, 1000 * (params.timeout ?? Infinity));
  const streamTimeoutMs = Math.min(timeoutMs, 1000 * (params.stream_timeout ?? streamTimeout ?? Infinity));
  return { id, modelName, provider, model, params, mode, weight: params.weight ?? params.rpm ?? params.tpm ?? 1, timeoutMs, streamTimeoutMs };
}
