// The request pipeline, written once for every client API: authenticate → parse (the surface) → admit →
// cache → route → attempt, retry, fall back → record (when the response closes). A surface (lib/gateway/api)
// only translates; nothing here knows which API it serves.
import { performance } from "node:perf_hooks";
import type { Surface } from "../api/surface.ts";
import type { ResolvedDeployment } from "../config/load.ts";
import { GatewayError } from "../errors.ts";
import { readJson } from "../http/body.ts";
import { backoffMs } from "../router/index.ts";
import { cacheControl } from "../state/cache.ts";
import { admitKey, knownGroup, pickAdmitted } from "./admission.ts";
import { attempt } from "./attempt.ts";
import type { Call, Services } from "./context.ts";
import { countFallback, deploymentLabels, setDeploymentState } from "./record.ts";
import { send, startStream } from "./respond.ts";

export async function serve(svc: Services, surface: Surface, call: Call): Promise<void> {
  call.surface = surface;
  call.caller = await svc.authenticate(call.req);
  const parsed = surface.parse(await readJson(call.req, svc.config.maxBodyBytes), call.req.headers);
  call.parsed = parsed;
  call.requestedModel = parsed.model;
  knownGroup(svc, parsed.model);
  if (call.caller.key) await admitKey(svc, call);
  if (surface.prepare) await surface.prepare(parsed, { caller: call.caller, logger: svc.logger, responses: svc.responses });
  if (svc.cache && (await answerFromCache(svc, call))) return;
  const answer = await withFallbacks(svc, call);
  if (answer !== undefined && svc.cache && call.cacheKey) svc.cache.set(call.cacheKey, answer, call.cacheControl!);
}

/** A cached answer, whole or replayed as the surface's stream; false on a miss (the key is kept for the store). */
async function answerFromCache(svc: Services, call: Call): Promise<boolean> {
  const { surface, parsed } = call;
  call.cacheControl = cacheControl(parsed!.body);
  call.cacheKey = svc.cache!.key(surface!.api, parsed!.body);
  const hit = await svc.cache!.get(call.cacheKey, call.cacheControl);
  if (!call.cacheControl.noCache) svc.metrics.cacheLookup(call.requestedModel, hit !== undefined);
  if (hit === undefined) return false;
  call.cacheHit = true;
  call.res.setHeader("x-litellm-cache-key", call.cacheKey);
  if (!parsed!.stream) send(call, 200, hit);
  else startStream(call), call.res.end(surface!.replay(hit, parsed!));
  return true;
}

/** The requested model group, then its fallbacks (router_settings.fallbacks) until one answers. */
async function withFallbacks(svc: Services, call: Call): Promise<string | undefined> {
  let fallbacks: string[] | undefined;
  for (let model = call.requestedModel, hop = 0; ; hop++) {
    try {
      const answer = await withRetries(svc, call, model);
      if (hop > 0) countFallback(svc, call, model, "fallbackOk");
      return answer;
    } catch (e) {
      if (call.res.headersSent || !(e instanceof GatewayError)) throw e;
      if (hop > 0) countFallback(svc, call, model, "fallbackFailed");
      fallbacks ??= svc.router.fallbacksFor(call.requestedModel, e.errorClass);
      const next = fallbacks[hop];
      if (!next) throw e;
      svc.logger.warn({ model, fallback: next, error: e.errorClass }, "falling back to another model group");
      model = next;
      call.res.setHeader("x-litellm-attempted-fallbacks", String(hop + 1));
    }
  }
}

/** One model group: pick a deployment, call it, retry per the retry policy on another one. */
async function withRetries(svc: Services, call: Call, model: string): Promise<string | undefined> {
  const group = knownGroup(svc, model);
  const tried = new Set<ResolvedDeployment>();
  const limited = new Set<ResolvedDeployment>();
  for (let n = 0; ; n++) {
    const d = await pickAdmitted(svc, model, group, tried, limited);
    tried.add(d);
    call.deployment = d;
    if (d.params.mock_response !== undefined) return attempt(svc, call, d);
    const t0 = performance.now();
    svc.router.started(d);
    try {
      const answer = await attempt(svc, call, d);
      svc.router.finished(d, performance.now() - t0);
      setDeploymentState(svc, d, 0);
      return answer;
    } catch (e) {
      const error = e instanceof GatewayError ? e : undefined;
      const clientGone = error?.status === 499;
      const cooled = svc.router.finished(d, performance.now() - t0, clientGone ? undefined : (error?.errorClass ?? "APIConnectionError"));
      if (!clientGone) setDeploymentState(svc, d, cooled ? 2 : 1);
      if (svc.alerts && error && !clientGone) svc.alerts.exception(model, d, error);
      if (cooled) {
        svc.alerts?.cooldown(d, error?.errorClass ?? "APIConnectionError");
        svc.metrics.count("cooledDown", { ...deploymentLabels(d), exception_status: String(error?.status ?? 500) });
        svc.logger.warn({ model, deployment: d.id, error: error?.errorClass }, "deployment entered cooldown");
      }
      // A stream is retried only before its first byte reached the client.
      if (call.res.headersSent || !error || clientGone || n >= svc.router.retriesFor(error.errorClass)) throw e;
      svc.logger.warn({ model, deployment: d.id, error: error.errorClass, attempt: n }, "retrying after upstream error");
      await new Promise((r) => setTimeout(r, backoffMs(n, error.retryAfterMs)));
    }
  }
}
