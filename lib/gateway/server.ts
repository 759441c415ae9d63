// The gateway's main port, top to bottom: parse → authenticate → route → call upstream → respond.
// Metrics and logs leave the path after the response is written.
import cluster from "node:cluster";
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import { createAlerts } from "./alerts/index.ts";
import type { GatewayOptions } from "./options.ts";
import { opsRoutes, type ProbeResult } from "./ops.ts";
import { createAuth, type Caller } from "./auth.ts";
import { setStoredDeployments, type GatewayConfig, type ResolvedDeployment } from "./config/load.ts";
import { GatewayError, badRequest } from "./errors.ts";
import { readJson } from "./http/body.ts";
import type { Logger } from "./log.ts";
import { createMetrics, registerWorkerMetrics, type Metrics } from "./metrics.ts";
import { mockAnswer, mockChunks } from "./providers/mock.ts";
import { knownPrefixes, providerFor } from "./providers/index.ts";
import type { Endpoint, Provider, UpstreamTarget } from "./providers/types.ts";
import { backoffMs, Router } from "./router/index.ts";
import { announceCooldown, onPeerCooldown, shareCooldownsViaRedis, type Announce } from "./router/shared.ts";
import { connectionError, Upstreams } from "./upstream.ts";
import { adminRoutes, openState, type State } from "./state/index.ts";
import { cacheControl, ResponseCache, type CacheControl } from "./state/cache.ts";
import { checkKey, overBudget, type VirtualKey } from "./state/keys.ts";
import type { ModelStore } from "./state/models.ts";
import { deploymentLimitError, keyLimitError, RateLimiter } from "./state/limits.ts";
import { SharedRedis } from "./state/redis.ts";
import { chunker } from "./providers/shared/openai-shapes.ts";
import { costOf } from "./state/spend.ts";
import { uiRoutes } from "./ui/index.ts";

export const VERSION = "0.1.0";
const MODEL_SYNC_MS = 2000;

export interface Gateway {
  handle(req: IncomingMessage, res: ServerResponse): void;
  readiness(): Promise<{ db: string; cache: string }>;
  /** Draining: give back the database connections this gateway no longer needs. */
  retire(): Promise<void>;
  close(): Promise<void>;
}

/** One request's state, threaded through the steps. */
interface Call {
  req: IncomingMessage;
  res: ServerResponse;
  started: number;
  caller?: Caller;
  requestedModel: string;
  deployment?: ResolvedDeployment;
  llmMs?: number;
  inputTokens?: number;
  outputTokens?: number;
  errorClass?: string;
  endpoint?: Endpoint;
  cacheKey?: string;
  cacheControl?: CacheControl;
}

type Handler = (call: Call) => Promise<void> | void;

const JSON_TYPE = "application/json";
const SSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache", "x-accel-buffering": "no" };

export function createGateway(config: GatewayConfig, opts: { logger: Logger; options?: GatewayOptions }): Gateway {
  const { logger } = opts;
  const metrics = createMetrics();
  registerWorkerMetrics(metrics);
  const state = config.database ? openState(config, logger) : undefined;
  sampleProcessGauges(metrics, state);
  const authenticate = createAuth(config.masterKey, state?.keys);
  const redis = config.redis ? new SharedRedis(config.redis, logger) : undefined;
  const cache = config.cache && redis ? new ResponseCache(redis, config.cache) : undefined;
  const limiter = new RateLimiter(redis, opts.options?.numWorkers ?? 1);
  const timers: NodeJS.Timeout[] = [];
  const syncModels = state?.models ? storedModelSync(state.models) : async () => {};
  const admin = state ? adminRoutes(state, config, authorizeAdmin, syncModels, async (req) => {
    const caller = await authenticate(req);
    return { isAdmin: caller.isAdmin, token: caller.key?.token };
  }) : {};
  const ui = opts.options?.ui === false ? {} : uiRoutes();
  const announcers: Announce[] = [];
  const router = new Router(config, (id, until) => announcers.forEach((a) => a(id, until)));
  const applyCooldown = (id: string, until: number) => router.cooldowns.apply(id, until);
  if (cluster.isWorker) announcers.push(announceCooldown), onPeerCooldown(applyCooldown);
  if (redis) announcers.push(shareCooldownsViaRedis(redis, applyCooldown));
  const upstreams = new Upstreams();
  const alerts = config.alerting ? createAlerts(config.alerting, logger, cluster.isWorker ? "primary" : "slack") : undefined;
  const targets = new WeakMap<ResolvedDeployment, UpstreamTarget>();
  const targetOf = (d: ResolvedDeployment) => targets.get(d) ?? targets.set(d, { provider: d.provider, model: d.model, params: d.params }).get(d)!;
  warnUnsupportedProviders(config, logger);

  const routes: Record<string, Handler> = {
    "POST /v1/chat/completions": (c) => llm(c, "chat"),
    "POST /chat/completions": (c) => llm(c, "chat"),
    "POST /v1/completions": (c) => llm(c, "completion"),
    "POST /completions": (c) => llm(c, "completion"),
    "POST /v1/embeddings": (c) => llm(c, "embedding"),
    "POST /embeddings": (c) => llm(c, "embedding"),
    "GET /v1/models": models,
    "GET /models": models,
    "GET /health": health,
    "GET /metrics": async (c) => send(c, 200, await metrics.exposition(), metrics.contentType),
    "GET /health/liveliness": (c) => send(c, 200, JSON.stringify("I'm alive!")),
    "GET /health/liveness": (c) => send(c, 200, JSON.stringify("I'm alive!")),
    "GET /health/readiness": async (c) => send(c, 200, JSON.stringify({ status: "healthy", ...(await readiness()), litellm_version: VERSION })),
    ...Object.fromEntries(Object.entries(admin).map(([route, handler]) => [route, (c: Call) => handler(c.req).then((body) => send(c, 200, JSON.stringify(body)))])),
    ...Object.fromEntries(Object.entries(ui).map(([route, handler]) => [route, (c: Call) => handler(c.req, c.res)])),
    ...Object.fromEntries(Object.entries(opsRoutes({ config, options: opts.options, state, redis, probe, router, metrics })).map(([route, handler]) => [
      route, async (c: Call) => (await authorizeAdmin(c.req), send(c, 200, JSON.stringify(await handler(new URL(c.req.url ?? "/", "http://x"))))),
    ])),
  };

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

  async function authorizeAdmin(req: IncomingMessage): Promise<void> {
    const caller = await authenticate(req);
    if (!caller.isAdmin) throw new GatewayError(403, "PermissionDeniedError", "This route needs the master key");
  }

  async function readiness(): Promise<{ db: string; cache: string }> {
    const cacheStatus = redis?.status ?? "not configured";
    if (!state) return { db: "not configured", cache: cacheStatus };
    const up = await Promise.race([state.pool.query("SELECT 1").then(() => true, () => false), new Promise<boolean>((r) => setTimeout(() => r(false), 1500).unref())]);
    return { db: up ? "connected" : "disconnected", cache: cacheStatus };
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const call: Call = { req, res, started: performance.now(), requestedModel: "" };
    res.setHeader("x-litellm-call-id", randomUUID());
    res.once("close", () => record(call));
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const route = routes[`${req.method} ${q < 0 ? url : url.slice(0, q)}`];
    if (!route) return fail(call, new GatewayError(404, "NotFoundError", `Route ${req.method} ${q < 0 ? url : url.slice(0, q)} not found`));
    try {
      const done = route(call);
      if (done) done.catch((e: unknown) => fail(call, e));
    } catch (e) {
      fail(call, e);
    }
  }

  async function llm(call: Call, endpoint: Endpoint): Promise<void> {
    call.caller = await authenticate(call.req);
    const body = await readJson(call.req, config.maxBodyBytes);
    const requested = validate(body, endpoint);
    call.requestedModel = requested;
    call.endpoint = endpoint;
    if (call.caller.key) await admitKey(call);
    const stream = body.stream === true && endpoint !== "embedding";
    if (cache) {
      call.cacheControl = cacheControl(body);
      call.cacheKey = cache.key(endpoint, body);
      const hit = await cache.get(call.cacheKey, call.cacheControl);
      if (!call.cacheControl.noCache) metrics.cacheLookup(requested, hit !== undefined);
      if (hit) return answerFromCache(call, hit, stream);
    }
    let fallbacks: string[] | undefined;
    for (let model = requested, hop = 0; ; hop++) {
      try {
        await attemptGroup(call, endpoint, model, body, stream);
        if (hop > 0) countFallback(call, model, "fallbackOk");
        return;
      } catch (e) {
        if (call.res.headersSent || !(e instanceof GatewayError)) throw e;
        if (hop > 0) countFallback(call, model, "fallbackFailed");
        fallbacks ??= router.fallbacksFor(requested, e.errorClass);
        const next = fallbacks[hop];
        if (!next) throw e;
        logger.warn({ model, fallback: next, error: e.errorClass }, "falling back to another model group");
        model = next;
        call.res.setHeader("x-litellm-attempted-fallbacks", String(hop + 1));
      }
    }
  }

  /** LiteLLM's refusals for a virtual key; a refusal for its budget alerts (budget_alerts). */
  function checkVirtualKey(key: VirtualKey, model: string): void {
    try {
      checkKey(key, model);
    } catch (e) {
      if (alerts && overBudget(key)) alerts.budget(key);
      throw e;
    }
  }

  /** One model group: pick a deployment, call it, retry per the retry policy on another one. */
  async function attemptGroup(call: Call, endpoint: Endpoint, model: string, body: Record<string, unknown>, stream: boolean): Promise<void> {
    const group = config.groups.get(model);
    if (!group) throw badRequest(`Invalid model name passed in model=${model}. Call \`/v1/models\` to view available models for your key.`, "model");
    const tried = new Set<ResolvedDeployment>();
    const limited = new Set<ResolvedDeployment>();
    for (let attempt = 0; ; attempt++) {
      const d = await pickAdmitted(model, group, tried, limited);
      tried.add(d);
      call.deployment = d;
      if (d.params.mock_response !== undefined) return answerMock(call, endpoint, d.params.mock_response, body, stream);
      const t0 = performance.now();
      router.started(d);
      try {
        await callUpstream(call, endpoint, d, body, stream);
        router.finished(d, performance.now() - t0);
        setState(d, 0);
        return;
      } catch (e) {
        const error = e instanceof GatewayError ? e : undefined;
        const clientGone = error?.status === 499;
        const cooled = router.finished(d, performance.now() - t0, clientGone ? undefined : (error?.errorClass ?? "APIConnectionError"));
        if (!clientGone) setState(d, cooled ? 2 : 1);
        if (alerts && error && !clientGone) alerts.exception(model, d, error);
        if (cooled) {
          alerts?.cooldown(d, error?.errorClass ?? "APIConnectionError");
          metrics.count("cooledDown", { ...deploymentLabels(d), exception_status: String(error?.status ?? 500) });
          logger.warn({ model, deployment: d.id, error: error?.errorClass }, "deployment entered cooldown");
        }
        // A stream is retried only before its first byte reached the client.
        if (call.res.headersSent || !error || clientGone || attempt >= router.retriesFor(error.errorClass)) throw e;
        logger.warn({ model, deployment: d.id, error: error.errorClass, attempt }, "retrying after upstream error");
        await new Promise((r) => setTimeout(r, backoffMs(attempt, error.retryAfterMs)));
      }
    }
  }

  /** A virtual key's refusals, then its rpm/tpm/parallel limits; the parallel slot is freed when the call ends. */
  async function admitKey(call: Call): Promise<void> {
    const key = call.caller!.key!;
    checkVirtualKey(key, call.requestedModel);
    if (!key.rpm_limit && !key.tpm_limit && !key.max_parallel_requests) return;
    const limits = { rpm: key.rpm_limit, tpm: key.tpm_limit, parallel: key.max_parallel_requests };
    const { refused, current, release } = await limiter.admit(`key:${key.token}`, limits);
    if (refused) throw keyLimitError(key.key_alias ?? key.key_name ?? "", refused, current ?? 0, limits[refused] ?? 0);
    if (call.res.closed) release(); // the client left while it waited
    else call.res.once("close", release);
  }

  /** A deployment the router picks that is under its rpm/tpm for this minute; 429 when none is. */
  async function pickAdmitted(model: string, group: ResolvedDeployment[], tried: Set<ResolvedDeployment>, limited: Set<ResolvedDeployment>): Promise<ResolvedDeployment> {
    for (;;) {
      const open = limited.size ? group.filter((d) => !limited.has(d)) : group;
      if (!open.length) throw deploymentLimitError(model, group.length);
      const d = router.pick(model, open, tried);
      if (!d.params.rpm && !d.params.tpm) return d;
      const { refused } = await limiter.admit(`deployment:${d.id}`, { rpm: d.params.rpm, tpm: d.params.tpm });
      if (!refused) return d;
      limited.add(d);
    }
  }

  const states = new Map<ResolvedDeployment, number>();
  const deploymentLabels = (d: ResolvedDeployment) => ({ litellm_model_name: d.params.model, model_id: d.id, api_base: d.params.api_base ?? "", api_provider: d.provider });

  /** litellm_deployment_state, written only when it changes so the hot path pays one map look-up. */
  function setState(d: ResolvedDeployment, state: 0 | 1 | 2): void {
    if (states.get(d) === state) return;
    states.set(d, state);
    metrics.deploymentState(deploymentLabels(d), state);
  }

  function countFallback(call: Call, fallbackModel: string, key: "fallbackOk" | "fallbackFailed"): void {
    metrics.count(key, { requested_model: call.requestedModel, fallback_model: fallbackModel, hashed_api_key: call.caller?.hashedKey ?? "", api_key_alias: call.caller?.alias ?? "" });
  }

  /** The fields every call needs; returns the requested model name. */
  function validate(body: Record<string, unknown>, endpoint: Endpoint): string {
    if (typeof body.model !== "string" || !body.model) throw badRequest("'model' is required and must be a string", "model");
    const field = { chat: "messages", completion: "prompt", embedding: "input" }[endpoint];
    if (endpoint === "chat" && !Array.isArray(body.messages)) throw badRequest("'messages' is required and must be an array", "messages");
    if (body[field] === undefined) throw badRequest(`'${field}' is required`, field);
    if (!config.groups.has(body.model)) throw badRequest(`Invalid model name passed in model=${body.model}. Call \`/v1/models\` to view available models for your key.`, "model");
    return body.model;
  }

  async function callUpstream(call: Call, endpoint: Endpoint, d: ResolvedDeployment, body: Record<string, unknown>, stream: boolean): Promise<void> {
    const provider = providerFor(d.provider);
    if (!provider || !provider.endpoints.includes(endpoint)) {
      throw badRequest(`Provider ${d.provider} is not supported for ${endpoint} by this gateway (supported: ${knownPrefixes().join(", ")})`);
    }
    const target = targetOf(d);
    const request = provider.buildRequest(endpoint, body, target, stream);
    const abort = new AbortController();
    call.res.once("close", () => call.res.writableFinished || abort.abort());
    const t0 = performance.now();
    const timeout = stream ? d.streamTimeoutMs : d.timeoutMs;
    const up = await upstreams.call(request, { headersTimeoutMs: timeout, bodyTimeoutMs: timeout, signal: abort.signal });
    if (up.statusCode >= 400) {
      const text = await up.body.text().catch(() => "");
      call.llmMs = performance.now() - t0;
      throw GatewayError.from(provider.mapError(up.statusCode, text, up.headers));
    }
    // Reading the body fails like the call itself: a pause past the timeout is a 408, a client gone a 499.
    const bodyFailed = (e: Error) => {
      throw connectionError(e, new URL(request.url).origin);
    };
    if (stream) return relayStream(call, provider, target, body, up.body, t0).catch(bodyFailed);
    const bytes = Buffer.from(await up.body.arrayBuffer().catch(bodyFailed));
    call.llmMs = performance.now() - t0;
    const parsed = provider.passthrough ? undefined : parseUpstream(bytes, d);
    if (!parsed) {
      // Passthrough: the bytes go to the client as they came; usage is read without parsing the whole answer.
      if (!looksLikeJson(bytes)) throw new GatewayError(502, "InternalServerError", `The provider of ${d.modelName} answered with something that is not JSON`);
      const text = bytes.toString();
      scanUsage(call, text);
      send(call, 200, bytes);
      return store(call, text);
    }
    const answer = provider.parseResponse(endpoint, parsed, target, body);
    readUsage(call, answer.usage);
    const text = JSON.stringify(answer);
    send(call, 200, text);
    store(call, text);
  }

  function store(call: Call, text: string): void {
    if (cache && call.cacheKey) cache.set(call.cacheKey, text, call.cacheControl!);
  }

  /** A cached answer: whole, or replayed as SSE chunks for a streaming request. */
  function answerFromCache(call: Call, text: string, stream: boolean): void {
    call.res.setHeader("x-litellm-cache-key", call.cacheKey!);
    if (!stream) return send(call, 200, text);
    const answer = JSON.parse(text) as { model?: string; choices?: { message?: { content?: string }; finish_reason?: string }[]; usage?: object };
    const c = chunker(String(answer.model ?? call.requestedModel));
    const choice = answer.choices?.[0];
    const chunks = [c.delta({ role: "assistant", content: choice?.message?.content ?? "" }), c.delta({}, choice?.finish_reason ?? "stop")];
    call.res.writeHead(200, { ...SSE_HEADERS, ...callHeaders(call) });
    call.res.end(chunks.map(sse).join("") + "data: [DONE]\n\n");
  }

  async function relayStream(call: Call, provider: Provider, target: UpstreamTarget, body: Record<string, unknown>, upstream: AsyncIterable<Buffer>, t0: number): Promise<void> {
    const { res } = call;
    const translator = provider.passthrough ? undefined : provider.streamTranslator(target, body);
    const decoder = new TextDecoder(); // keeps a character split across chunks whole
    let first = true;
    let tail = "";
    for await (const chunk of upstream) {
      if (first) {
        call.llmMs = performance.now() - t0;
        res.writeHead(200, { ...SSE_HEADERS, ...callHeaders(call) });
        first = false;
      }
      const out = translator ? translator.push(decoder.decode(chunk, { stream: true })).map(sse).join("") : chunk;
      if (translator) scanUsage(call, out as string);
      else tail = scanUsage(call, tail + chunk.toString()).slice(-32);
      if (out.length && !res.write(out)) await drained(res);
    }
    if (first) res.writeHead(200, { ...SSE_HEADERS, ...callHeaders(call) });
    if (translator) res.write(translator.end().map(sse).join("") + "data: [DONE]\n\n");
    else if (!tail.includes("[DONE]")) res.write("data: [DONE]\n\n");
    res.end();
  }

  function answerMock(call: Call, endpoint: Endpoint, text: string, body: Record<string, unknown>, stream: boolean): void {
    call.llmMs = 0;
    if (!stream) {
      const answer = mockAnswer(endpoint, text, body);
      readUsage(call, answer.usage);
      return send(call, 200, JSON.stringify(answer));
    }
    const chunks = mockChunks(text, body);
    call.res.writeHead(200, { ...SSE_HEADERS, ...callHeaders(call) });
    call.res.end(chunks.map(sse).join("") + "data: [DONE]\n\n");
    call.outputTokens = chunks.length - 1;
  }

  async function models(call: Call): Promise<void> {
    call.caller = await authenticate(call.req);
    const allowed = call.caller.key?.models.length ? new Set(call.caller.key.models) : undefined;
    const data = [...config.groups.keys()].filter((id) => !allowed || allowed.has(id)).map((id) => ({ id, object: "model", created: 1677610602, owned_by: "openai" }));
    send(call, 200, JSON.stringify({ data, object: "list" }));
  }

  async function health(call: Call): Promise<void> {
    call.caller = await authenticate(call.req);
    const results = await Promise.all(config.deployments.map(async (d) => ({ d, error: (await probe(d)).errorClass })));
    const shape = (d: ResolvedDeployment, error?: string) => ({ model: d.params.model, api_base: d.params.api_base ?? null, model_name: d.modelName, model_id: d.id, ...(error ? { error } : {}) });
    const healthy = results.filter((r) => !r.error).map((r) => shape(r.d));
    const unhealthy = results.filter((r) => r.error).map((r) => shape(r.d, r.error));
    send(call, 200, JSON.stringify({ healthy_endpoints: healthy, unhealthy_endpoints: unhealthy, healthy_count: healthy.length, unhealthy_count: unhealthy.length }));
  }

  /** A real, minimal call to a deployment: how long it took, its tokens, and the error class when it fails. */
  async function probe(d: ResolvedDeployment): Promise<ProbeResult> {
    const t0 = performance.now();
    if (d.params.mock_response !== undefined) return { ms: 0, tokens: 0 };
    const provider = providerFor(d.provider);
    if (!provider) return { ms: 0, errorClass: "BadRequestError", error: `provider ${d.provider} not supported` };
    const endpoint: Endpoint = d.mode === "embedding" ? "embedding" : d.mode === "completion" ? "completion" : "chat";
    const body = { embedding: { input: "ping" }, completion: { prompt: "ping", max_tokens: 1 }, chat: { messages: [{ role: "user", content: "ping" }], max_tokens: 1 } }[endpoint];
    try {
      const up = await upstreams.call(provider.buildRequest(endpoint, { model: d.modelName, ...body }, targetOf(d), false), {
        headersTimeoutMs: Math.min(d.timeoutMs, 30_000), bodyTimeoutMs: Math.min(d.timeoutMs, 30_000), signal: AbortSignal.timeout(30_000),
      });
      const text = await up.body.text();
      const ms = performance.now() - t0;
      if (up.statusCode >= 400) {
        const error = provider.mapError(up.statusCode, text, up.headers);
        return { ms, errorClass: error.errorClass, error: `${up.statusCode} ${error.message.slice(0, 200)}` };
      }
      const total = /"total_tokens":\s*(\d+)/.exec(text) ?? /"totalTokenCount":\s*(\d+)/.exec(text);
      return { ms, tokens: total ? Number(total[1]) : undefined };
    } catch (e) {
      return { ms: performance.now() - t0, errorClass: e instanceof GatewayError ? e.errorClass : "APIConnectionError", error: (e as Error).message.slice(0, 200) };
    }
  }

  function callHeaders(call: Call): Record<string, string> {
    const overhead = performance.now() - call.started - (call.llmMs ?? 0);
    const headers: Record<string, string> = { "x-litellm-model-id": call.deployment?.id ?? "", "x-litellm-overhead-duration-ms": overhead.toFixed(3) };
    if (call.inputTokens !== undefined || call.outputTokens !== undefined) headers["x-litellm-response-cost"] = String(costOf(call.deployment, call.inputTokens, call.outputTokens));
    return headers;
  }

  function send(call: Call, status: number, body: string | Buffer, type = JSON_TYPE): void {
    if (call.res.headersSent) return void call.res.end();
    call.res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body), ...callHeaders(call) });
    call.res.end(body);
  }

  function fail(call: Call, e: unknown): void {
    const error = e instanceof GatewayError ? e : new GatewayError(500, "InternalServerError", "Internal error; see the gateway logs");
    if (!(e instanceof GatewayError)) logger.error({ err: e, path: call.req.url }, "unhandled error");
    call.errorClass = error.errorClass;
    if (call.res.headersSent) return void call.res.destroy();
    if (error.retryAfterMs !== undefined) call.res.setHeader("retry-after", String(Math.ceil(error.retryAfterMs / 1000)));
    send(call, error.status, error.body());
  }

  function record(call: Call): void {
    if (!call.requestedModel && !call.errorClass) return;
    const total = (performance.now() - call.started) / 1000;
    const d = call.deployment;
    const status = call.res.statusCode;
    metrics.record({
      requestedModel: call.requestedModel, model: d?.params.model ?? "", modelId: d?.id ?? "", apiBase: d?.params.api_base ?? "",
      provider: d?.provider ?? "", hashedKey: call.caller?.hashedKey ?? "", keyAlias: call.caller?.alias ?? "", status,
      exceptionClass: status >= 400 ? (call.errorClass ?? "APIConnectionError") : undefined,
      totalSeconds: total, llmSeconds: call.llmMs === undefined ? undefined : call.llmMs / 1000,
      overheadSeconds: Math.max(0, total - (call.llmMs ?? 0) / 1000), inputTokens: call.inputTokens, outputTokens: call.outputTokens,
    });
    if (state && status < 400 && d) recordSpend(call, d, total);
    else if (state?.spend && status >= 400 && call.caller && call.requestedModel) recordFailure(call, total);
    if (status < 400 && (call.caller?.key?.tpm_limit || d?.params.tpm)) countTokens(call);
    if (alerts && status < 400 && total > alerts.slowSeconds) alerts.slow(call.requestedModel, total);
    if (logger.isLevelEnabled("debug")) logger.debug({ model: call.requestedModel, deployment: d?.id, status, ms: Math.round(total * 1000) }, "request");
  }

  function countTokens(call: Call): void {
    const scopes = [call.caller?.key?.tpm_limit && `key:${call.caller.key.token}`, call.deployment?.params.tpm && `deployment:${call.deployment.id}`];
    limiter.addTokens(scopes.filter((s): s is string => !!s), (call.inputTokens ?? 0) + (call.outputTokens ?? 0));
  }

  /** Off the hot path: a row on the spend buffer, and the key's spend remembered until the batch lands. */
  function recordSpend(call: Call, d: ResolvedDeployment, totalSeconds: number): void {
    const spend = costOf(d, call.inputTokens, call.outputTokens);
    const key = call.caller?.key;
    const apiKey = key?.token ?? "";
    if (key) addKeySpend(key, spend);
    if (!state!.spend) return;
    const end = new Date();
    state!.spend.add({
      request_id: String(call.res.getHeader("x-litellm-call-id")), call_type: CALL_TYPES[call.endpoint ?? "chat"], api_key: apiKey, spend,
      prompt_tokens: call.inputTokens ?? 0, completion_tokens: call.outputTokens ?? 0, startTime: new Date(end.getTime() - totalSeconds * 1000), endTime: end,
      model: d.params.model, model_id: d.id, model_group: call.requestedModel, api_base: d.params.api_base ?? "", user: "",
    });
  }

  /** A refused or failed call of a known caller: a spend log row without spend (LiteLLM logs errors too). */
  function recordFailure(call: Call, totalSeconds: number): void {
    const d = call.deployment;
    const end = new Date();
    state!.spend!.add({
      request_id: String(call.res.getHeader("x-litellm-call-id")), call_type: CALL_TYPES[call.endpoint ?? "chat"], api_key: call.caller?.key?.token ?? "", spend: 0,
      prompt_tokens: 0, completion_tokens: 0, startTime: new Date(end.getTime() - totalSeconds * 1000), endTime: end,
      model: d?.params.model ?? "", model_id: d?.id ?? "", model_group: call.requestedModel, api_base: d?.params.api_base ?? "", user: "",
      status: "failure", errorClass: call.errorClass ?? "APIConnectionError",
    });
  }

  /** The key's spend remembered until the batch lands; crossing its budget alerts at once. */
  function addKeySpend(key: VirtualKey, spend: number): void {
    const wasUnder = !overBudget(key);
    state!.keys.addSpend(key, spend);
    if (alerts && wasUnder && overBudget(key)) alerts.budget(key);
  }

  return {
    handle,
    readiness,
    retire: async () => state?.retire(),
    close: async () => {
      timers.forEach(clearInterval);
      await alerts?.close();
      redis?.close();
      await upstreams.close();
      await state?.close();
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
    if (state.spend) metrics.spend(state.spend.buffered, state.spend.dropped);
  });
}

/** The first non-blank byte opens a JSON object: cheap proof that a passthrough answer is not an error page. */
function looksLikeJson(bytes: Buffer): boolean {
  let i = 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  return bytes[i] === 0x7b;
}

function parseUpstream(bytes: Buffer, d: ResolvedDeployment): Record<string, unknown> {
  try {
    return JSON.parse(bytes.toString()) as Record<string, unknown>;
  } catch {
    throw new GatewayError(502, "InternalServerError", `The provider of ${d.modelName} answered with something that is not JSON`);
  }
}

const CALL_TYPES: Record<Endpoint, string> = { chat: "acompletion", completion: "atext_completion", embedding: "aembedding" };

const sse = (chunk: object) => `data: ${JSON.stringify(chunk)}\n\n`;

function readUsage(call: Call, usage: unknown): void {
  const u = usage as { prompt_tokens?: number; completion_tokens?: number } | undefined;
  call.inputTokens = u?.prompt_tokens;
  call.outputTokens = u?.completion_tokens;
}

const PROMPT_TOKENS = /"prompt_tokens":\s*(\d+)/;
const COMPLETION_TOKENS = /"completion_tokens":\s*(\d+)/;

/** Picks usage out of streamed text without parsing every chunk; returns the text for the caller's tail. */
function scanUsage(call: Call, text: string): string {
  if (text.includes('"usage"')) {
    const p = PROMPT_TOKENS.exec(text);
    const c = COMPLETION_TOKENS.exec(text);
    if (p) call.inputTokens = Number(p[1]);
    if (c) call.outputTokens = Number(c[1]);
  }
  return text;
}

function warnUnsupportedProviders(config: GatewayConfig, logger: Logger): void {
  for (const d of config.deployments) {
    if (d.params.mock_response === undefined && !providerFor(d.provider)) {
      logger.warn({ model: d.modelName, provider: d.provider }, `provider ${d.provider} is not supported yet; requests to ${d.modelName} will fail`);
    }
  }
}

/** Resolves when the client can take more; a client that went away never drains, so that rejects (499). */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = () => {
      res.off("drain", settle).off("close", settle);
      if (res.destroyed && !res.writableFinished) reject(new GatewayError(499, "APIConnectionError", "client closed the request"));
      else resolve();
    };
    if (res.destroyed) return settle();
    res.once("drain", settle).once("close", settle);
  });
}
