// Operator endpoints behind the master key, for `gatekit check` and `gatekit probe`: the running gateway's
// effective settings — what it actually runs with, so drift from the spec shows — and a timed call to every
// deployment of model_list.
import { GatewayError } from "./errors.ts";
import { effectiveSettings, type GatewayConfig, type ResolvedDeployment } from "./config/load.ts";
import type { Metrics } from "./metrics.ts";
import type { GatewayOptions } from "./options.ts";
import type { Router } from "./router/index.ts";
import type { State } from "./state/index.ts";
import type { SharedRedis } from "./state/redis.ts";

export interface ProbeResult { errorClass?: string; error?: string; ms: number; tokens?: number }

interface OpsContext {
  config: GatewayConfig;
  options?: GatewayOptions;
  state?: State;
  redis?: SharedRedis;
  probe(d: ResolvedDeployment): Promise<ProbeResult>;
  /** This worker's router: cooldowns (shared between workers), last errors and latencies. */
  router?: Router;
  metrics?: Metrics;
}

export function opsRoutes(ctx: OpsContext): Record<string, (url: URL) => Promise<unknown>> {
  return {
    "GET /gatekit/settings": () => settings(ctx),
    "GET /gatekit/probe": (url) => probeAll(ctx, Math.max(1, Number(url.searchParams.get("concurrency") ?? 8) || 8), url.searchParams.get("model_id") ?? undefined),
    "GET /gatekit/models": async () => ({ data: deploymentHealth(ctx) }),
  };
}

/** Every deployment with its provider and, as this worker's router saw it, its cooldown, last error and latency. */
function deploymentHealth({ config, router }: OpsContext) {
  return config.deployments.map((d) => {
    const h = router?.health(d);
    return {
      model_name: d.modelName, model_id: d.id, provider: d.provider, model: d.params.model, api_base: d.params.api_base ?? null,
      mock: d.params.mock_response !== undefined,
      cooldown_until: h?.cooldownUntil ? new Date(h.cooldownUntil).toISOString() : null,
      last_error: h?.lastError ? { error_class: h.lastError.errorClass, at: new Date(h.lastError.at).toISOString() } : null,
      latency_ms: h?.latencyMs === undefined ? null : Math.round(h.latencyMs),
      in_flight: h?.inFlight ?? 0,
    };
  });
}

async function settings({ config, options: o, state, redis, metrics }: OpsContext) {
  const e = effectiveSettings(config.raw);
  return {
    mode: o?.mode ?? null, // as the gateway parsed LITELLM_MODE (PRODUCTION or DEV), not the raw variable
    num_workers: o?.numWorkers ?? null,
    live_workers: metrics ? await liveWorkers(metrics) : null,
    separate_health_app: o?.separateHealthApp ?? null,
    health_port: o?.healthPort ?? null,
    max_requests_before_restart: o?.maxRequestsBeforeRestart ?? null,
    graceful_shutdown_timeout: o?.gracefulShutdownSeconds ?? null,
    database_connection_pool_limit: config.database ? e.database_connection_pool_limit : null,
    request_timeout: e.request_timeout,
    routing_strategy: e.routing_strategy,
    allowed_fails: e.allowed_fails,
    cooldown_time: e.cooldown_time,
    num_retries: e.num_retries,
    retry_policy: e.retry_policy,
    database: state ? await databaseUse(state) : { status: "not configured" },
    redis: redis ? { status: redis.status, ...(redis.lastError ? { error: redis.lastError } : {}) } : { status: "not configured" },
  };
}

/** Workers that answered the primary's metrics collection just now (the summed gatekit_live_workers gauge). */
async function liveWorkers(metrics: Metrics): Promise<number | null> {
  const text = await metrics.exposition().catch(() => "");
  const m = /^gatekit_live_workers (\d+)$/m.exec(text);
  return m ? Number(m[1]) : null;
}

/** Connections in use on the whole server (every instance's pools), against max_connections. */
async function databaseUse(state: State) {
  try {
    const { rows } = await state.pool.query<{ used: number; max: number }>(
      `SELECT (SELECT count(*)::int FROM pg_stat_activity WHERE backend_type = 'client backend') AS used, current_setting('max_connections')::int AS max`,
    );
    return { status: "connected", connections: rows[0]!.used, max_connections: rows[0]!.max };
  } catch (e) {
    return { status: "disconnected", error: (e as Error).message };
  }
}

async function probeAll({ config, probe }: OpsContext, concurrency: number, modelId?: string) {
  const queue = config.deployments.filter((d) => !modelId || d.id === modelId);
  if (modelId && !queue.length) throw new GatewayError(404, "NotFoundError", `model_id: no deployment ${modelId}; GET /gatekit/models lists them`, "model_id");
  const results: Record<string, unknown>[] = [];
  const worker = async () => {
    for (let d = queue.shift(); d; d = queue.shift()) {
      const r = await probe(d);
      results.push({ model_name: d.modelName, model_id: d.id, model: d.params.model, api_base: d.params.api_base ?? null, ok: !r.errorClass, latency_ms: Math.round(r.ms), tokens: r.tokens ?? null, error_class: r.errorClass ?? null, error: r.error ?? null });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
  return { data: results.sort((a, b) => String(a.model_name).localeCompare(String(b.model_name)) || String(a.model_id).localeCompare(String(b.model_id))) };
}
