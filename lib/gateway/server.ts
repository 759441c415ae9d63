// The gateway's main port: builds the long-lived parts once, then routes each request — the client APIs
// (lib/gateway/api) into the one request pipeline (lib/gateway/pipeline), the rest to small handlers.
import cluster from "node:cluster";
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import { createAlerts } from "./alerts/index.ts";
import { SURFACES } from "./api/index.ts";
import { listModels, retrieveModel } from "./api/models.ts";
import { storedResponse } from "./api/responses.ts";
import { createAuth } from "./auth.ts";
import { setStoredDeployments, type GatewayConfig, type ResolvedDeployment } from "./config/load.ts";
import { GatewayError } from "./errors.ts";
import { randomHex } from "./ids.ts";
import type { Logger } from "./log.ts";
import { createMetrics, registerWorkerMetrics, type Metrics } from "./metrics.ts";
import { opsRoutes } from "./ops.ts";
import type { GatewayOptions } from "./options.ts";
import type { Call, Services } from "./pipeline/context.ts";
import { countTokens } from "./pipeline/count-tokens.ts";
import { serve } from "./pipeline/index.ts";
import { probe } from "./pipeline/probe.ts";
import { record } from "./pipeline/record.ts";
import { fail, send, setCallHeaders } from "./pipeline/respond.ts";
import type { UpstreamTarget } from "./providers/types.ts";
import { Router } from "./router/index.ts";
import { announceCooldown, onPeerCooldown, shareCooldownsViaRedis, type Announce } from "./router/shared.ts";
import { ResponseCache } from "./state/cache.ts";
import { adminRoutes, openState, type State } from "./state/index.ts";
import type { ModelStore } from "./state/models.ts";
import { RateLimiter } from "./state/limits.ts";
import { MemoryResponseStore, PgResponseStore } from "./state/responses.ts";
import { SharedRedis } from "./state/redis.ts";
import { uiRoutes } from "./ui/index.ts";
import { cameThrough, Upstreams, VIA_HEADER } from "./upstream.ts";
import { VERSION } from "./version.ts";

const MODEL_SYNC_MS = 2000;

export interface Gateway {
  handle(req: IncomingMessage, res: ServerResponse): void;
  readiness(): Promise<{ db: string; cache: string }>;
  /** Draining: give back the database connections this gateway no longer needs. */
  retire(): Promise<void>;
  close(): Promise<void>;
}

type Handler = (call: Call) => Promise<void> | void;

/** `headers`: what every answer carries besides the call's id, as [name, value, …] (a worker's pid). */
export function createGateway(config: GatewayConfig, opts: { logger: Logger; options?: GatewayOptions; headers?: readonly string[] }): Gateway {
  const { logger } = opts;
  const headers = opts.headers ?? [];
  const mark = process.env.GATEKIT_VIA ?? randomHex(8); // the primary sets it for all its workers
  const metrics = createMetrics();
  registerWorkerMetrics(metrics);
  const stopGcWatch = metrics.watchGc();
  const state = config.database ? openState(config, logger) : undefined;
  sampleProcessGauges(metrics, state);
  const redis = config.redis ? new SharedRedis(config.redis, logger) : undefined;
  const timers: NodeJS.Timeout[] = [];
  const announcers: Announce[] = [];
  const router = new Router(config, (id, until) => announcers.forEach((a) => a(id, until)));
  const applyCooldown = (id: string, until: number) => router.cooldowns.apply(id, until);
  if (cluster.isWorker) announcers.push(announceCooldown), onPeerCooldown(applyCooldown);
  if (redis) announcers.push(shareCooldownsViaRedis(redis, applyCooldown));
  const targets = new WeakMap<ResolvedDeployment, UpstreamTarget>();
  const svc: Services = {
    config, logger, metrics, state, router,
    authenticate: createAuth(config.masterKey, state?.keys),
    limiter: new RateLimiter(redis, opts.options?.numWorkers ?? 1),
    cache: config.cache && redis ? new ResponseCache(redis, config.cache) : undefined,
    alerts: config.alerting ? createAlerts(config.alerting, logger, cluster.isWorker ? "primary" : "slack") : undefined,
    upstreams: new Upstreams(mark),
    responses: state ? new PgResponseStore(state.pool, undefined, (e) => logger.error({ error: e.message }, "expired stored Responses could not be purged")) : new MemoryResponseStore(),
    targetOf: (d) => targets.get(d) ?? targets.set(d, { provider: d.provider, model: d.model, params: d.params }).get(d)!,
    deploymentStates: new Map(),
  };
  const syncModels = state?.models ? storedModelSync(state.models) : async () => {};
  const json = (c: Call, body: unknown) => send(c, 200, JSON.stringify(body));
  const callerOf = async (req: IncomingMessage) => {
    const caller = await svc.authenticate(req);
    return { isAdmin: caller.isAdmin, token: caller.key?.token };
  };

  const routes: Record<string, Handler> = {
    ...Object.fromEntries(SURFACES.flatMap((surface) => surface.paths.map((path) => [`POST ${path}`, (c: Call) => serve(svc, surface, c)]))),
    "POST /v1/messages/count_tokens": (c) => countTokens(svc, c),
    "GET /v1/models": async (c) => json(c, listModels(config, await authenticated(c))),
    "GET /models": async (c) => json(c, listModels(config, await authenticated(c))),
    "GET /health": health,
    "GET /metrics": async (c) => send(c, 200, await metrics.exposition(), metrics.contentType),
    "GET /health/liveliness": (c) => json(c, "I'm alive!"),
    "GET /health/liveness": (c) => json(c, "I'm alive!"),
    "GET /health/readiness": async (c) => json(c, { status: "healthy", ...(await readiness()), litellm_version: VERSION }),
    ...Object.fromEntries(Object.entries(state ? adminRoutes(state, config, authorizeAdmin, syncModels, callerOf) : {}).map(([route, handler]) => [route, async (c: Call) => json(c, await handler(c.req))])),
    ...Object.fromEntries(Object.entries(opts.options?.ui === false ? {} : uiRoutes()).map(([route, handler]) => [route, (c: Call) => (setCallHeaders(c), handler(c.req, c.res))])),
    ...Object.fromEntries(Object.entries(opsRoutes({ config, options: opts.options, state, redis, probe: (d) => probe(svc, d), router, metrics })).map(([route, handler]) => [
      route, async (c: Call) => (await authorizeAdmin(c.req), json(c, await handler(new URL(c.req.url ?? "/", "http://x")))),
    ])),
  };
  /** Routes with a path parameter: `METHOD /prefix/` → the handler of the rest of the path. */
  const prefixed: [string, (c: Call, rest: string) => Promise<void> | void][] = [
    ["GET /v1/models/", async (c, id) => json(c, retrieveModel(config, await authenticated(c), id))],
    ["GET /models/", async (c, id) => json(c, retrieveModel(config, await authenticated(c), id))],
    ...(["GET", "DELETE"] as const).flatMap((method) => ["/v1/responses/", "/responses/"].map((path) => [
      `${method} ${path}`, async (c: Call, id: string) => json(c, await storedResponse(svc.responses, await authenticated(c), id, method)),
    ] as [string, (c: Call, rest: string) => Promise<void>])),
  ];

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const call: Call = { req, res, id: randomUUID(), headers, started: performance.now(), requestedModel: "" };
    res.once("close", () => record(svc, call));
    if (cameThrough(req.headers[VIA_HEADER], mark)) return fail(call, calledItself(), logger);
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const route = `${req.method} ${q < 0 ? url : url.slice(0, q)}`;
    try {
      const handler = routes[route];
      const done = handler ? handler(call) : routeWithParam(call, route);
      if (done) done.catch((e: unknown) => fail(call, e, logger));
    } catch (e) {
      fail(call, e, logger);
    }
  }

  function routeWithParam(call: Call, route: string): Promise<void> | void {
    for (const [prefix, handler] of prefixed) {
      if (route.startsWith(prefix) && route.length > prefix.length) return handler(call, route.slice(prefix.length));
    }
    throw new GatewayError(404, "NotFoundError", `Route ${route} not found`);
  }

  async function authenticated(call: Call) {
    return (call.caller = await svc.authenticate(call.req));
  }

  async function authorizeAdmin(req: IncomingMessage): Promise<void> {
    const caller = await svc.authenticate(req);
    if (!caller.isAdmin) throw new GatewayError(403, "PermissionDeniedError", "This route needs the master key");
  }

  async function readiness(): Promise<{ db: string; cache: string }> {
    const cacheStatus = redis?.status ?? "not configured";
    if (!state) return { db: "not configured", cache: cacheStatus };
    const up = await Promise.race([state.pool.query("SELECT 1").then(() => true, () => false), new Promise<boolean>((r) => setTimeout(() => r(false), 1500).unref())]);
    return { db: up ? "connected" : "disconnected", cache: cacheStatus };
  }

  async function health(call: Call): Promise<void> {
    await authenticated(call);
    const results = await Promise.all(config.deployments.map(async (d) => ({ d, error: (await probe(svc, d)).errorClass })));
    const shape = (d: ResolvedDeployment, error?: string) => ({ model: d.params.model, api_base: d.params.api_base ?? null, model_name: d.modelName, model_id: d.id, ...(error ? { error } : {}) });
    const healthy = results.filter((r) => !r.error).map((r) => shape(r.d));
    const unhealthy = results.filter((r) => r.error).map((r) => shape(r.d, r.error));
    json(call, { healthy_endpoints: healthy, unhealthy_endpoints: unhealthy, healthy_count: healthy.length, unhealthy_count: unhealthy.length });
  }

  /**
   * Deployments from the database: loaded now, reloaded every few seconds (so other workers and instances see
   * /model/new and /model/delete) and at once after this worker changed them. Returns the reload.
   */
  function storedModelSync(store: ModelStore): () => Promise<void> {
    let last = "";
    let failing = false;
    const reload = async () => {
      try {
        const stored = await store.all();
        failing = false;
        const text = JSON.stringify(stored);
        if (text !== last) setStoredDeployments(config, stored, process.env), (last = text);
      } catch (e) {
        if (!failing) logger.error({ error: (e as Error).message }, "stored models could not be loaded; serving the ones loaded before");
        failing = true;
      }
    };
    void reload();
    timers.push(setInterval(reload, MODEL_SYNC_MS).unref());
    return reload;
  }

  return {
    handle,
    readiness,
    retire: async () => state?.retire(),
    close: async () => {
      timers.forEach(clearInterval);
      stopGcWatch();
      try {
        svc.responses?.close();
        await svc.alerts?.close();
        redis?.close();
        await svc.upstreams.close();
      } finally {
        await state?.close(); // the spend rows' last flush, whatever failed before it
      }
    },
  };
}

/** This worker counts as live; its pool's connections and spend buffer are read at each scrape. */
function sampleProcessGauges(metrics: Metrics, state: State | undefined): void {
  metrics.gauge("liveWorkers", 1);
  if (!state) return;
  const { pool } = state;
  metrics.onCollect(() => {
    metrics.gauge("poolOpen", pool.totalCount);
    metrics.gauge("poolInUse", pool.totalCount - pool.idleCount);
    metrics.gauge("poolWaiting", pool.waitingCount);
    metrics.gauge("poolMax", pool.options.max);
    if (state.spend) metrics.spend(state.spend.buffered, state.spend.dropped, state.spend.journaled);
  });
}

/** A request this gateway sent to a provider came back to it: refused at once, instead of calling itself again. */
const calledItself = () => new GatewayError(508, "InternalServerError",
  "gatekit received its own provider call: a deployment's api_base points back at this gateway (directly, through a load balancer in front of it, or through another gateway). Set api_base in the deployment's litellm_params; if it came from ANTHROPIC_BASE_URL or OPENAI_BASE_URL (a coding agent's setting), unset that variable where the gateway starts.");
