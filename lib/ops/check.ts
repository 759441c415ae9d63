// `gatekit check`: the reference verification checklist, run against the live deployment — not the spec — so
// drift shows. Each item is ✓, ✗ (with the fix) or ? (this gateway doesn't expose it, e.g. LiteLLM's own proxy).
import { effectiveSettings } from "../gateway/config/load.ts";
import { checkVolumePassword, volumePasswordFix, volumePasswordMessage } from "../deploy/postgres-volume.ts";
import { envRefName } from "../gateway/config/schema.ts";
import type { DockerEnvironment, Spec } from "../spec/schema.ts";

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
  /** The variable the master key comes from (the spec's secrets.master_key, else LITELLM_MASTER_KEY): for fixes. */
  keyVariable?: string;
}

type Json = Record<string, unknown>;
type Answer = { status: number; body: unknown; text: string; url: string };

/** An object of a JSON answer, or undefined for anything else (text, an array, null). */
const object = (v: unknown): Json | undefined => (v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : undefined);

/** The fix when the answer says the problem is not the item itself: nothing answers, or the master key. */
function commonFix(res: Answer, target: Target): string | undefined {
  const variable = target.keyVariable ?? "LITELLM_MASTER_KEY";
  if (res.status === 0) {
    return `Can't reach ${res.url} (${String(res.body)}): is the gateway running (gatekit status <env>), and is the address right (--url / --health-url, or the spec's host.publish_address and ports)? For the gateway \`npm start\` runs, \`gatekit check\` without an environment checks localhost:4000.`;
  }
  if (res.status === 401 || res.status === 403) {
    return target.masterKey
      ? `The master key was refused: ${variable} (environment or .env) is not the key this deployment runs with; set it to that key.`
      : `No master key was sent: set ${variable} (in the environment or .env) to the deployment's master key.`;
  }
  return undefined;
}

export async function runChecks(target: Target, spec: Spec | undefined, opts: { traffic: boolean }): Promise<CheckItem[]> {
  const items: CheckItem[] = [];
  const add = (name: string, ok: boolean | undefined, detail: string, fix?: string) =>
    items.push({ name, status: ok === undefined ? "unknown" : ok ? "ok" : "fail", detail, ...(ok === false && fix ? { fix } : {}) });
  const get = (url: string) => callGateway(target, url);

  const live = await get(`${target.health}/health/liveliness`);
  add("liveliness", live.status === 200 && live.body === "I'm alive!", `${live.url} → ${describe(live)}`,
    commonFix(live, target) ?? "The health app does not answer as expected: is the gateway running (gatekit status <env>)? It needs SEPARATE_HEALTH_APP=1 and the health port published.");
  const ready = await get(`${target.health}/health/readiness`);
  const r = object(ready.body) ?? {};
  add("readiness", ready.status === 200, ready.status ? `status ${r.status ?? ready.status}, db ${r.db ?? "?"}, cache ${r.cache ?? "?"}` : describe(ready),
    commonFix(ready, target) ?? (r.db === "disconnected" ? "The gateway can't reach Postgres: check DATABASE_URL and that the postgres container is healthy." : "Not ready: see `gatekit logs <env> gateway`."));

  const models = await get(`${target.api}/v1/models`);
  const data = object(models.body)?.data;
  const served = (Array.isArray(data) ? data : []).map((m) => String(object(m)?.id));
  const expected = spec ? [...new Set(spec.litellm.model_list.map((m) => m.model_name))] : served;
  const missing = expected.filter((m) => !served.includes(m));
  add("/v1/models", models.status === 200 && !missing.length, models.status === 200 ? `${served.length} models${missing.length ? `; missing ${missing.join(", ")}` : ""}` : describe(models),
    commonFix(models, target) ?? "The running config lacks models of the spec: redeploy (gatekit deploy <env>).");

  // Nothing answers on the API port: the calls below would only repeat that.
  if (models.status === 0) return items;
  // A 401 on a chat is the master key when /v1/models refused it too, else the provider's key.
  const keyRefused = models.status === 401 || models.status === 403;
  if (opts.traffic) for (const model of chatModels(spec, served)) await chat(target, model, keyRefused, add);

  const settings = await get(`${target.api}/gatekit/settings`);
  const body = object(settings.body);
  if (settings.status === 404) {
    add("effective settings", undefined, "not exposed by this proxy (LiteLLM's has no settings endpoint): workers, pool, timeouts, routing, Postgres connections and Redis can't be compared with the spec");
  } else if (settings.status !== 200) {
    add("effective settings", false, describe(settings), commonFix(settings, target) ?? "The gateway failed to report its settings: see gatekit logs <env> gateway.");
  } else if (!body) {
    add("effective settings", false, `${settings.url} answered 200 but not with the gateway's settings: ${describe(settings)}`,
      "Something other than the gateway answers there (a proxy or an ingress?): point --url at the gateway itself.");
  } else {
    compareSettings(body, r, spec, add);
  }
  return items;
}

/**
 * A Docker environment's Postgres volume against the password its variable holds now, through the running
 * Postgres container (a gateway refused by Postgres may not answer at all, so this does not ask the gateway).
 */
export async function volumePasswordItem(env: DockerEnvironment, vars: Record<string, string | undefined>): Promise<CheckItem | undefined> {
  const name = "postgres volume password";
  const r = await checkVolumePassword(env, vars, { startPostgres: false });
  if (!r) return undefined;
  if (r.status === "unknown") return { name, status: "unknown", detail: `not checked for ${r.volume}: ${r.why}` };
  const variable = envRefName(env.spec.postgres.password) ?? "POSTGRES_PASSWORD";
  return r.status === "matches"
    ? { name, status: "ok", detail: `${r.volume} takes ${variable}` }
    : { name, status: "fail", detail: volumePasswordMessage(env), fix: volumePasswordFix(env) };
}

async function chat(target: Target, model: string, keyRefused: boolean, add: (name: string, ok: boolean, detail: string, fix?: string) => void) {
  const t0 = performance.now();
  const res = await callGateway(target, `${target.api}/v1/chat/completions`, {
    body: JSON.stringify({ model, messages: [{ role: "user", content: "ping" }], max_tokens: 1 }),
  });
  const error = object(object(res.body)?.error);
  add(`chat ${model}`, res.status === 200, res.status === 200 ? `answered in ${Math.round(performance.now() - t0)} ms` : res.status ? `${res.status} ${String(error?.type ?? "")}: ${String(error?.message ?? "").slice(0, 120)}` : describe(res),
    (res.status === 0 || keyRefused ? commonFix(res, target) : undefined) ?? `The provider behind ${model} fails: gatekit probe <env> shows which deployment and why.`);
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
  if (readiness.live_workers === undefined) {
    // Only the separate health app counts live workers; the API port's readiness (the only one on Kubernetes
    // through an Ingress, or with --url alone) doesn't.
    add("live workers", undefined, "not reported: this readiness is not the separate health app's; pass --health-url with the health port's address (gateway.health_port) to count them");
  } else {
    same("live workers", readiness.live_workers, g?.num_workers, `Fewer workers are alive than num_workers: see gatekit logs <env> gateway for crashes. ${redeploy}`);
  }
  same("num_workers", s.num_workers, g?.num_workers, `gateway.num_workers: ${redeploy}`);
  same("LITELLM_MODE", s.mode, g?.mode, `gateway.mode: ${redeploy}`);
  same("SEPARATE_HEALTH_APP", s.separate_health_app, g?.separate_health_app, `gateway.separate_health_app: ${redeploy}`);
  same("SEPARATE_HEALTH_PORT", s.health_port, g?.health_port, `gateway.health_port: ${redeploy}`);
  same("requests before restart", s.max_requests_before_restart || null, // 0 and unset both mean never
    g ? (g.max_requests_before_restart ?? null) : undefined, `gateway.max_requests_before_restart: ${redeploy}`);
  if (!spec) return void add("settings vs spec", undefined, "no spec given: values shown, not compared");
  // What the spec's litellm section makes a gateway run with: the gateway's own function, defaults and all.
  const want = effectiveSettings(spec.litellm);
  same("database_connection_pool_limit", s.database_connection_pool_limit, want.database_connection_pool_limit, `litellm.general_settings.database_connection_pool_limit: ${redeploy}`);
  same("request_timeout", s.request_timeout, want.request_timeout, `litellm.litellm_settings.request_timeout: ${redeploy}`);
  same("routing_strategy", s.routing_strategy, want.routing_strategy, `litellm.router_settings.routing_strategy: ${redeploy}`);
  same("allowed_fails / cooldown_time", [s.allowed_fails, s.cooldown_time], [want.allowed_fails, want.cooldown_time], `litellm.router_settings.allowed_fails / cooldown_time: ${redeploy}`);
  same("retry policy", [s.num_retries, s.retry_policy], [want.num_retries, want.retry_policy], `litellm.router_settings.num_retries / retry_policy: ${redeploy}`);
  database(object(s.database), spec, add);
  redis(object(s.redis), spec, add);
}

function database(db: Json | undefined, spec: Spec, add: Add): void {
  if (!db) return add("postgres connections", undefined, "not reported by this gateway's settings");
  if (db.status !== "connected") {
    const refused = /password authentication failed/.test(String(db.error ?? ""));
    return add("postgres connections", false, `database ${db.status}${db.error ? `: ${db.error}` : ""}`, refused
      ? "Postgres refuses the gateway's password. A data volume keeps the password it was initialised with: see the postgres volume password item (gatekit check <env>) for the volume and the ways out."
      : "The gateway can't reach Postgres: check the postgres container (gatekit status <env>) and DATABASE_URL's password against postgres.password.");
  }
  const [used, max] = [Number(db.connections), Number(db.max_connections)];
  const room = used <= max - spec.postgres.reserved_connections;
  add("postgres connections", room && max === spec.postgres.max_connections, `${used} in use of max_connections ${max} (spec ${spec.postgres.max_connections}, ${spec.postgres.reserved_connections} reserved)`,
    room ? "Postgres runs with another max_connections than the spec: redeploy." : "Connections are nearly exhausted: lower the pool, workers or instances, or raise max_connections.");
}

function redis(r: Json | undefined, spec: Spec, add: Add): void {
  if (!r) return add("redis", undefined, "not reported by this gateway's settings");
  if (!spec.redis) return add("redis", r.status === "not configured" ? true : undefined, `${r.status}`);
  const auth = /WRONGPASS|NOAUTH|invalid password|invalid username-password/i.test(String(r.error ?? ""));
  const variable = envRefName(spec.redis.password) ?? "REDIS_PASSWORD";
  add("redis", r.status === "connected", r.status === "connected" ? "reachable with its password" : `${r.status}${r.error ? `: ${r.error}` : ""}`,
    auth
      ? `The gateway's Redis password is not the server's: set ${variable} to one value for both (the spec's redis.password) and redeploy.`
      : "The gateway can't reach Redis: check the redis container (gatekit status <env>) and REDIS_HOST/REDIS_PORT.");
}

/**
 * A call with the master key (a POST when there is a body): the status and the body, parsed when it is JSON; status
 * 0 with the cause when nothing answered.
 */
export async function callGateway(target: Target, url: string, init: { body?: string; timeoutMs?: number } = {}): Promise<Answer> {
  const headers: Record<string, string> = {
    ...(init.body ? { "content-type": "application/json" } : {}),
    ...(target.masterKey ? { authorization: `Bearer ${target.masterKey}` } : {}),
  };
  try {
    const res = await fetch(url, { method: init.body ? "POST" : "GET", headers, body: init.body, signal: AbortSignal.timeout(init.timeoutMs ?? 30_000) });
    const text = await res.text();
    return { url, status: res.status, text, body: parseOr(text) };
  } catch (e) {
    return { url, status: 0, text: "", body: fetchCause(e) };
  }
}

/** The JSON in `text`, or the text itself. */
function parseOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Why a fetch failed, in words: "connect ECONNREFUSED 127.0.0.1:4910", not "fetch failed". */
function fetchCause(e: unknown): string {
  const err = e as Error & { cause?: Error & { code?: string } };
  if (err?.name === "TimeoutError") return "no answer within the timeout";
  return err?.cause instanceof Error ? err.cause.message || err.cause.code || String(err.cause) : (err?.message ?? String(e));
}

const describe = (r: { status: number; body: unknown }) => (r.status ? `${r.status} ${JSON.stringify(r.body ?? null).slice(0, 80)}` : `no answer (${String(r.body)})`);
const show = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
