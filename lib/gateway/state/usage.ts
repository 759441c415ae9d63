// Reads for the admin console and LiteLLM's paginated admin routes: keys page by page, spend logs page by page,
// and spend and traffic aggregated in SQL. Every query is bounded (a page, a group limit, a time range) and
// served by an index (migration 3), so 500k keys or millions of log rows never travel to the gateway.
import { GatewayError } from "../errors.ts";
import type { Pool } from "./db.ts";
import { hashKey, normalize, type VirtualKey } from "./keys.ts";

const bad = (param: string, what: string) => new GatewayError(400, "BadRequestError", `${param}: expected ${what}`, param);

/** A whole number in [min, max] from the query, or the default. */
export function intParam(q: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = q.get(name);
  if (raw === null || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw bad(name, `a whole number from ${min} to ${max}`);
  return n;
}

function oneOf<T extends string>(q: URLSearchParams, name: string, allowed: readonly T[], fallback: T): T {
  const raw = q.get(name);
  if (raw === null || raw === "") return fallback;
  if (!allowed.includes(raw as T)) throw bad(name, `one of ${allowed.join(", ")}`);
  return raw as T;
}

/** LiteLLM's start_date/end_date: a day (YYYY-MM-DD, end_date inclusive) or an ISO timestamp. */
export function timeRange(q: URLSearchParams, defaultDays?: number): { from?: Date; to?: Date } {
  const at = (name: string, endOfDay: boolean) => {
    const raw = q.get(name);
    if (!raw) return undefined;
    const day = /^\d{4}-\d{2}-\d{2}$/.test(raw);
    const d = new Date(day ? `${raw}T00:00:00Z` : raw);
    if (Number.isNaN(d.getTime())) throw bad(name, "a date (YYYY-MM-DD) or an ISO timestamp");
    return day && endOfDay ? new Date(d.getTime() + 86_400_000) : d;
  };
  const from = at("start_date", false) ?? (defaultDays ? new Date(Date.now() - defaultDays * 86_400_000) : undefined);
  return { from, to: at("end_date", true) };
}

/** `sk-…` keys become their hash; hashes pass as they are. */
export const keyHash = (keyOrHash: string) => (keyOrHash.startsWith("sk-") ? hashKey(keyOrHash) : keyOrHash);

/** WHERE clauses built with numbered parameters. */
class Where {
  readonly values: unknown[] = [];
  private readonly parts: string[] = [];
  add(sql: (p: string) => string, value: unknown): this {
    if (value !== undefined && value !== null && value !== "") this.parts.push(sql(`$${this.values.push(value)}`));
    return this;
  }
  toString(): string {
    return this.parts.length ? `WHERE ${this.parts.join(" AND ")}` : "";
  }
}

export const KEY_SORTS = ["created_at", "spend", "key_alias", "expires", "max_budget"] as const;

export interface KeyPage {
  keys: (VirtualKey | string)[];
  total_count: number;
  current_page: number;
  total_pages: number;
}

/**
 * /key/list with LiteLLM's parameters: page, size, key_alias (here a case-insensitive prefix, the console's
 * search), key_hash, sort_by, sort_order, return_full_object. One indexed page query and one count.
 */
export async function listKeys(pool: Pool, q: URLSearchParams): Promise<KeyPage> {
  const page = intParam(q, "page", 1, 1, 1_000_000);
  const size = intParam(q, "size", 10, 1, 100);
  const sortBy = oneOf(q, "sort_by", KEY_SORTS, "created_at");
  const order = oneOf(q, "sort_order", ["asc", "desc"] as const, "desc");
  const alias = q.get("key_alias")?.trim().toLowerCase();
  const where = new Where()
    .add((p) => `lower(key_alias) LIKE ${p}`, alias ? `${alias.replace(/[\\%_]/g, "\\$&")}%` : undefined)
    .add((p) => `token = ${p}`, q.get("key_hash") ? keyHash(q.get("key_hash")!) : undefined);
  // Postgres' NULL order (last ascending, first descending: "never expires" and "no budget" count as the
  // most), so one btree index serves both directions; the token breaks ties so pages never overlap.
  const [rows, total] = await Promise.all([
    pool.query<VirtualKey>(
      `SELECT * FROM "LiteLLM_VerificationToken" ${where} ORDER BY ${sortBy} ${order}, token ${order}
       LIMIT ${size} OFFSET ${(page - 1) * size}`, where.values),
    pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "LiteLLM_VerificationToken" ${where}`, where.values),
  ]);
  const n = total.rows[0]!.n;
  const full = q.get("return_full_object") === "true";
  return {
    keys: rows.rows.map((r) => (full ? normalize(r) : r.token)),
    total_count: n, current_page: page, total_pages: Math.ceil(n / size),
  };
}

/** The spend logs' filters: a caller's own key (forced for virtual keys), model, status and time. */
function logFilter(q: URLSearchParams, ownKey: string | undefined, defaultDays?: number): Where {
  const { from, to } = timeRange(q, defaultDays);
  const apiKey = ownKey ?? (q.get("api_key") ? keyHash(q.get("api_key")!) : undefined);
  const status = q.get("status_filter");
  if (status && status !== "success" && status !== "failure") throw bad("status_filter", "success or failure");
  return new Where()
    .add((p) => `api_key = ${p}`, apiKey)
    .add((p) => `api_key IN (SELECT token FROM "LiteLLM_VerificationToken" WHERE key_alias = ${p})`, ownKey ? undefined : (q.get("key_alias") ?? undefined))
    .add((p) => `model_group = ${p}`, q.get("model") ?? undefined)
    .add((p) => `status = ${p}`, status)
    .add((p) => `"startTime" >= ${p}`, from)
    .add((p) => `"startTime" < ${p}`, to);
}

/** Counting stops here: past it the console says "10000+", and no page pays for counting millions of rows. */
const COUNT_CAP = 10_000;

/** /spend/logs/ui: LiteLLM's paginated logs (page, page_size, api_key, key_alias, model, status_filter, start_date, end_date). */
export async function spendLogsPage(pool: Pool, q: URLSearchParams, ownKey?: string) {
  const page = intParam(q, "page", 1, 1, 100_000);
  const pageSize = intParam(q, "page_size", 50, 1, 100);
  const where = logFilter(q, ownKey);
  const [rows, total] = await Promise.all([
    pool.query(
      `SELECT request_id, call_type, api_key, spend, total_tokens, prompt_tokens, completion_tokens, "startTime", "endTime", model, model_id, model_group,
              api_base, status, metadata->'error_information'->>'error_class' AS error_class,
              (SELECT key_alias FROM "LiteLLM_VerificationToken" t WHERE t.token = l.api_key) AS key_alias
       FROM "LiteLLM_SpendLogs" l ${where} ORDER BY "startTime" DESC, request_id DESC LIMIT ${pageSize} OFFSET ${(page - 1) * pageSize}`, where.values),
    pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM (SELECT 1 FROM "LiteLLM_SpendLogs" ${where} LIMIT ${COUNT_CAP + 1}) s`, where.values),
  ]);
  const n = total.rows[0]!.n;
  return {
    data: rows.rows.map((r) => ({ ...r, spend: Number(r.spend) })),
    total: Math.min(n, COUNT_CAP), total_is_lower_bound: n > COUNT_CAP,
    page, page_size: pageSize, total_pages: Math.ceil(Math.min(n, COUNT_CAP) / pageSize),
  };
}

/** /global/spend/keys: the keys that spent most in the range (limit, start_date, end_date; 30 days by default). */
export async function spendByKey(pool: Pool, q: URLSearchParams, ownKey?: string) {
  const where = logFilter(q, ownKey, 30);
  const { rows } = await pool.query(
    `SELECT s.api_key, s.total_spend, s.requests, s.total_tokens, t.key_alias, t.key_name
     FROM (SELECT api_key, sum(spend) AS total_spend, count(*)::int AS requests, sum(total_tokens)::bigint AS total_tokens
           FROM "LiteLLM_SpendLogs" ${where} GROUP BY api_key ORDER BY sum(spend) DESC LIMIT ${intParam(q, "limit", 10, 1, 1000)}) s
     LEFT JOIN "LiteLLM_VerificationToken" t ON t.token = s.api_key ORDER BY s.total_spend DESC`, where.values);
  return rows.map((r) => ({ ...r, total_spend: Number(r.total_spend), total_tokens: Number(r.total_tokens) }));
}

/** /global/spend/models: spend per model in the range. */
export async function spendByModel(pool: Pool, q: URLSearchParams, ownKey?: string) {
  const where = logFilter(q, ownKey, 30);
  const { rows } = await pool.query(
    `SELECT coalesce(nullif(model_group, ''), model) AS model, sum(spend) AS total_spend, count(*)::int AS requests, sum(total_tokens)::bigint AS total_tokens
     FROM "LiteLLM_SpendLogs" ${where} GROUP BY 1 ORDER BY 2 DESC LIMIT ${intParam(q, "limit", 10, 1, 1000)}`, where.values);
  return rows.map((r) => ({ ...r, total_spend: Number(r.total_spend), total_tokens: Number(r.total_tokens) }));
}

/** /global/spend/logs: spend per day (UTC) in the range. */
export async function spendByDay(pool: Pool, q: URLSearchParams, ownKey?: string) {
  const where = logFilter(q, ownKey, 30);
  const { rows } = await pool.query(
    `SELECT to_char(date_trunc('day', "startTime" AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS date, sum(spend) AS spend, count(*)::int AS requests, sum(total_tokens)::bigint AS total_tokens
     FROM "LiteLLM_SpendLogs" ${where} GROUP BY 1 ORDER BY 1`, where.values);
  return rows.map((r) => ({ ...r, spend: Number(r.spend), total_tokens: Number(r.total_tokens) }));
}

/**
 * The console's Overview from the spend logs (every instance's requests, not only this worker's): requests,
 * errors by class, p50/p95 latency over the last 24 h with an hourly series, and spend today / 7 / 30 days.
 */
export async function overview(pool: Pool, ownKey?: string) {
  const where = new Where().add((p) => `api_key = ${p}`, ownKey);
  const and = (cond: string) => (String(where) ? `${where} AND ${cond}` : `WHERE ${cond}`);
  const last24h = and(`"startTime" >= now() - interval '24 hours'`);
  const ms = `extract(epoch FROM "endTime" - "startTime") * 1000`;
  const [totals, errors, series, spend] = await Promise.all([
    pool.query(`SELECT count(*)::int AS requests, count(*) FILTER (WHERE status = 'failure')::int AS failures,
                  percentile_cont(0.5) WITHIN GROUP (ORDER BY ${ms}) FILTER (WHERE status = 'success') AS p50_ms,
                  percentile_cont(0.95) WITHIN GROUP (ORDER BY ${ms}) FILTER (WHERE status = 'success') AS p95_ms
                FROM "LiteLLM_SpendLogs" ${last24h}`, where.values),
    pool.query(`SELECT coalesce(metadata->'error_information'->>'error_class', 'unknown') AS error_class, count(*)::int AS count
                FROM "LiteLLM_SpendLogs" ${and(`"startTime" >= now() - interval '24 hours' AND status = 'failure'`)} GROUP BY 1 ORDER BY 2 DESC LIMIT 20`, where.values),
    pool.query(`SELECT extract(epoch FROM date_trunc('hour', "startTime"))::bigint AS hour, count(*)::int AS requests,
                  count(*) FILTER (WHERE status = 'failure')::int AS failures, sum(spend) AS spend,
                  percentile_cont(0.95) WITHIN GROUP (ORDER BY ${ms}) FILTER (WHERE status = 'success') AS p95_ms
                FROM "LiteLLM_SpendLogs" ${last24h} GROUP BY 1 ORDER BY 1`, where.values),
    pool.query(`SELECT coalesce(sum(spend) FILTER (WHERE "startTime" >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'), 0) AS today,
                  coalesce(sum(spend) FILTER (WHERE "startTime" >= now() - interval '7 days'), 0) AS last_7d,
                  coalesce(sum(spend), 0) AS last_30d
                FROM "LiteLLM_SpendLogs" ${and(`"startTime" >= now() - interval '30 days'`)}`, where.values),
  ]);
  const t = totals.rows[0]!;
  const s = spend.rows[0]!;
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    requests_24h: t.requests, failures_24h: t.failures, p50_ms: num(t.p50_ms), p95_ms: num(t.p95_ms),
    errors_by_type: errors.rows,
    spend: { today: Number(s.today), last_7d: Number(s.last_7d), last_30d: Number(s.last_30d) },
    series: series.rows.map((r) => ({ hour: Number(r.hour), requests: r.requests, failures: r.failures, spend: Number(r.spend), p95_ms: num(r.p95_ms) })),
  };
}
