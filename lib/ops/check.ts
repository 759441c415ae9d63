// `gatekit check`: the reference verification checklist, run against the live deployment — not the spec — so
// drift shows. Each item is ✓, ✗ (with the fix) or ? (this gateway doesn't expose it, e.g. LiteLLM's own proxy).
import { envRefName } from "../gateway/config/schema.ts";
import type { GatewayConfig } from "../gateway/config/load.ts";
import { routerSettings } from "../gateway/router/index.ts";
import type { Spec } from "../spec/schema.ts";

export interface CheckItem {
  name: string;
  status: "ok" | "fail" | "unknown";
  detail: string;
  fix?: string;
}

export interface Target {
  api: string;
  health: string;
  masterKey?: string;
}

type Json = Record<string, unknown>;

export async function runChecks(target: Target, spec: Spec | undefined, opts: { traffic: boolean }): Promise<CheckItem[]> {
  const items: CheckItem[] = [];
  const add = (name: string, ok: boolean | undefined, detail: string, fix?: string) =>
    items.push({ name, status: ok === undefined ? "unknown" : ok ? "ok" : "fail", detail, ...(ok === false && fix ? { fix } : {}) });
  const get = (url: string) => fetchJson(url, { headers: target.masterKey ? { authorization: `Bearer ${target.masterKey}` } : {} });

  const live = await get(`${target.health}/health/liveliness`);
  add("liveliness", live.status === 200 && live.body === "I'm alive!", `${target.health}/health/liveliness → ${describe(live)}`,
    "The health app does not answer: is the gateway running (gatekit status <env>)? It needs SEPARATE_HEALTH_APP=1 and the health port published.");
  const ready = await get(`${target.health}/health/readiness`);
  const r = (ready.body ?? {}) as Json;
  add("readiness", ready.status === 200, `status ${r.status ?? ready.status}, db ${r.db ?? "?"}, cache ${r.cache ?? "?"}`,
    r.db === "disconnected" ? "The gateway can't reach Postgres: check DATABASE_URL and that the postgres container is healthy." : "Not ready: see `gatekit logs <env> gateway`.");

  const models = await get(`${target.api}/v1/models`);
  const served = ((models.body as { data?: { id: string }[] })?.data ?? []).map((m) => m.id);
  const expected = spec ? [...new Set(spec.litellm.model_list.map((m) => m.model_name))] : served;
  const missing = expected.filter((m) => !served.includes(m));
  add("/v1/models", models.status === 200 && !missing.length, models.status === 200 ? `${served.length} models${missing.length ? `; missing ${missing.join(", ")}` : ""}` : describe(models),
    models.status === 401 ? "The master key was refused: set LITELLM_MASTER_KEY (or .env) to the deployment's master key." : "The running config lacks models of the spec: redeploy (gatekit deploy <env>).");

  if (opts.traffic) for (const model of chatModels(spec, served)) await chat(target, model, add);

  const settings = await get(`${target.api}/gatekit/settings`);
  if (settings.status === 404) {
    add("effective settings", undefined, "not exposed by this proxy (LiteLLM's has no settings endpoint): workers, pool, timeouts, routing, Postgres connections and Redis can't be compared with the spec");
  } else if (settings.status !== 200) {
    add("effective settings", false, describe(settings), "Read with the master key: set LITELLM_MASTER_KEY.");
  } else {
    compareSettings(settings.body as Json, r, spec, add);
  }
  return items;
}

async function chat(target: Target, model: string, add: (name: string, ok: boolean, detail: string, fix?: string) => void) {
  const t0 = performance.now();
  const res = await fetchJson(`${target.api}/v1/chat/completions`, {
    method: "POST", headers: { "content-type": "application/json", ...(target.masterKey ? { authorization: `Bearer ${target.masterKey}` } : {}) },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "ping" }], max_tokens: 1 }),
  });
  const error = (res.body as { error?: { type?: string; message?: string } })?.error;
  add(`chat ${model}`, res.status === 200, res.status === 200 ? `answered in ${Math.round(performance.now() - t0)} ms` : `${res.status} ${error?.type ?? ""}: ${(error?.message ?? "").slice(0, 120)}`,
    `The provider behind ${model} fails: gatekit probe <env> shows which deployment and why.`);
}

/** Chat models of the spec (or all served ones without a spec), not embeddings. */
function chatModels(spec: Spec | undefined, served: string[]): string[] {
  if (!spec) return served;
  const chat = spec.litellm.model_list.filter((m) => (m.model_info?.mode ?? (/embed/i.test(m.litellm_params.model) ? "embedding" : "chat")) === "chat");
  return [...new Set(chat.map((m) => m.model_name))];
}

type Add = (name: string, ok: boolean | undefined, detail: string, fix?: string) => void;

function compareSettings(s: Json, readiness: Json, spec: Spec | undefined, add: Add): void {
  const g = spec?.gateway;
  const same = (name: string, actual: unknown, want: unknown, fix: string) => {
    if (want === undefined) return add(name, true, `${show(actual)}`);
    add(name, JSON.stringify(actual) === JSON.stringify(want), `running ${show(actual)}, spec ${show(want)}`, fix);
  };
  const redeploy = "Redeploy so the running gateway matches the spec (gatekit deploy <env>), or change the spec to what is wanted.";
  same("live workers", readiness.live_workers ?? null, g?.num_workers, `Fewer workers are alive than num_workers: see gatekit logs <env> gateway for crashes. ${redeploy}`);
  same("num_workers", s.num_workers, g?.num_workers, `gateway.num_workers: ${redeploy}`);
  same("LITELLM_MODE", s.mode, g?.mode, `gateway.mode: ${redeploy}`);
  same("SEPARATE_HEALTH_APP", s.separate_health_app, g?.separate_health_app, `gateway.separate_health_app: ${redeploy}`);
  same("SEPARATE_HEALTH_PORT", s.health_port, g?.health_port, `gateway.health_port: ${redeploy}`);
  same("requests before restart", s.max_requests_before_restart || null, // 0 and unset both mean never
    g ? (g.max_requests_before_restart ?? null) : undefined, `gateway.max_requests_before_restart: ${redeploy}`);
  if (!spec) return void add("settings vs spec", undefined, "no spec given: values shown, not compared");
  const want = expectedLitellm(spec);
  same("database_connection_pool_limit", s.database_connection_pool_limit, want.poolLimit, `litellm.general_settings.database_connection_pool_limit: ${redeploy}`);
  same("request_timeout", s.request_timeout, want.requestTimeout, `litellm.litellm_settings.request_timeout: ${redeploy}`);
  same("routing_strategy", s.routing_strategy, want.router.strategy, `litellm.router_settings.routing_strategy: ${redeploy}`);
  same("allowed_fails / cooldown_time", [s.allowed_fails, s.cooldown_time], [want.router.allowedFails, want.router.cooldownSeconds], `litellm.router_settings.allowed_fails / cooldown_time: ${redeploy}`);
  same("retry policy", [s.num_retries, s.retry_policy], [want.router.numRetries, want.router.retryPolicy], `litellm.router_settings.num_retries / retry_policy: ${redeploy}`);
  database(s.database as Json, spec, add);
  redis(s.redis as Json, spec, add);
}

/** What the spec's litellm section makes a gateway run with (the gateway's own defaults). */
function expectedLitellm(spec: Spec) {
  const { litellm_settings: ls, router_settings: rs, general_settings: gs } = spec.litellm;
  const config = { raw: spec.litellm, numRetries: rs.num_retries ?? ls.num_retries ?? 0 } as unknown as GatewayConfig;
  return { poolLimit: gs.database_connection_pool_limit ?? 10, requestTimeout: ls.request_timeout ?? rs.timeout ?? 600, router: routerSettings(config) };
}

function database(db: Json, spec: Spec, add: Add): void {
  if (db.status !== "connected") {
    return add("postgres connections", false, `database ${db.status}${db.error ? `: ${db.error}` : ""}`,
      "The gateway can't reach Postgres: check the postgres container (gatekit status <env>) and DATABASE_URL's password against postgres.password.");
  }
  const [used, max] = [Number(db.connections), Number(db.max_connections)];
  const room = used <= max - spec.postgres.reserved_connections;
  add("postgres connections", room && max === spec.postgres.max_connections, `${used} in use of max_connections ${max} (spec ${spec.postgres.max_connections}, ${spec.postgres.reserved_connections} reserved)`,
    room ? "Postgres runs with another max_connections than the spec: redeploy." : "Connections are nearly exhausted: lower the pool, workers or instances, or raise max_connections.");
}

function redis(r: Json, spec: Spec, add: Add): void {
  if (!spec.redis) return add("redis", r.status === "not configured" ? true : undefined, `${r.status}`);
  const auth = /WRONGPASS|NOAUTH|invalid password|invalid username-password/i.test(String(r.error ?? ""));
  const variable = envRefName(spec.redis.password) ?? "REDIS_PASSWORD";
  add("redis", r.status === "connected", r.status === "connected" ? "reachable with its password" : `${r.status}${r.error ? `: ${r.error}` : ""}`,
    auth
      ? `The gateway's Redis password is not the server's: set ${variable} to one value for both (the spec's redis.password) and redeploy.`
      : "The gateway can't reach Redis: check the redis container (gatekit status <env>) and REDIS_HOST/REDIS_PORT.");
}

async function fetchJson(url: string, init: RequestInit): Promise<{ status: number; body: unknown }> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
    const text = await res.text();
    try {
      return { status: res.status, body: JSON.parse(text) };
    } catch {
      return { status: res.status, body: text };
    }
  } catch (e) {
    return { status: 0, body: (e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message };
  }
}

const describe = (r: { status: number; body: unknown }) => (r.status ? `${r.status} ${JSON.stringify(r.body).slice(0, 80)}` : `no answer (${String(r.body)})`);
const show = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
