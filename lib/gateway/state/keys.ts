// Virtual keys, LiteLLM's fields and admin API semantics. Only SHA-256 hashes are stored; look-ups are cached
// in-process for `user_api_key_cache_ttl`, and with allow_requests_on_db_unavailable a key known before the
// database went down keeps working for the whole outage (its TTL does not end it).
import { createHash, randomBytes } from "node:crypto";
import { LRUCache } from "lru-cache";
import { GatewayError } from "../errors.ts";
import type { Pool } from "./db.ts";
import { durationMs, type KeyFields } from "./key-fields.ts";
import type { KeyShare } from "./key-share.ts";
import type { SpendReport, SpendShare } from "./spend-share.ts";

export interface VirtualKey {
  token: string;
  key_alias: string | null;
  key_name: string | null;
  spend: number;
  max_budget: number | null;
  budget_duration: string | null;
  expires: Date | null;
  models: string[];
  tpm_limit: number | null;
  rpm_limit: number | null;
  max_parallel_requests: number | null;
  metadata: Record<string, unknown>;
  blocked: boolean;
}

export const hashKey = (key: string) => createHash("sha256").update(key).digest("hex");

const FIELDS = ["key_alias", "max_budget", "budget_duration", "models", "tpm_limit", "rpm_limit", "max_parallel_requests", "metadata", "blocked"] as const;
const UNIQUE_VIOLATION = "23505";

export interface KeyStoreOptions {
  /** `allow_requests_on_db_unavailable`: known keys keep working while the database is down. */
  allowWhenDbDown?: boolean;
  /** `user_api_key_cache_ttl`: how long a look-up is trusted before the database is asked again. */
  ttlMs?: number;
  maxKeys?: number;
  /** The primary's copy of the keys its workers verified (in a cluster). */
  shared?: KeyShare;
  /** The spend the other workers and the journal's replay have not written yet (in a cluster). */
  spendShare?: SpendShare;
}

export class KeyStore {
  // An entry outlives its TTL (noDeleteOnStaleGet): once stale it is read again from the database, or, while
  // the database is down, served as it is for the whole outage.
  private readonly cache: LRUCache<string, VirtualKey>;
  // Unknown keys apart, few and briefly: a stream of invalid keys can't evict valid ones, and a key generated
  // after a miss works within seconds.
  private readonly unknown = new LRUCache<string, true>({ max: 1000, ttl: 5000 });
  // Spend accrued per key and not yet written (spend is written in batches) — by this worker, its siblings and
  // the journal replayed at start: added to the key on every reload, taken off when its batch lands, so a
  // reload never forgets spend and a budget holds across reloads, workers, and a crash and restart.
  private readonly unflushed = new Map<string, number>();
  private readonly allowWhenDbDown: boolean;
  private readonly shared?: KeyShare;
  private readonly spendShare?: SpendShare;

  constructor(private readonly pool: Pool, opts: KeyStoreOptions = {}) {
    this.cache = new LRUCache({ max: opts.maxKeys ?? 10_000, ttl: opts.ttlMs ?? 60_000, noDeleteOnStaleGet: true });
    this.allowWhenDbDown = opts.allowWhenDbDown ?? false;
    this.shared = opts.shared;
    this.shared?.onForget((token) => this.drop(token));
    this.spendShare = opts.spendShare;
    this.spendShare?.onPeer((r) => this.peerSpend(r));
  }

  async generate(fields: KeyFields & { key?: string }): Promise<{ key: string } & VirtualKey> {
    const key = fields.key ?? `sk-${randomBytes(24).toString("base64url")}`;
    const row = await this.one(
      `INSERT INTO "LiteLLM_VerificationToken" (token, key_name, key_alias, max_budget, budget_duration, expires, models, tpm_limit, rpm_limit, max_parallel_requests, metadata, blocked)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING *`,
      [hashKey(key), `sk-...${key.slice(-4)}`, fields.key_alias ?? null, fields.max_budget ?? null, fields.budget_duration ?? null, expiry(fields.duration),
        fields.models ?? [], fields.tpm_limit ?? null, fields.rpm_limit ?? null, fields.max_parallel_requests ?? null, fields.metadata ?? {}, fields.blocked ?? false],
    ).catch((e: { code?: string }) => {
      // The message names no key: a custom key is a secret.
      if (e.code === UNIQUE_VIOLATION) throw new GatewayError(400, "BadRequestError", "key: this key already exists; choose another or leave `key` out", "key");
      throw e;
    });
    this.forget(row!.token, true); // a miss remembered before the key existed
    return { key, ...row! };
  }

  async info(keyOrHash: string): Promise<VirtualKey> {
    const row = await this.one(`SELECT * FROM "LiteLLM_VerificationToken" WHERE token = $1`, [toHash(keyOrHash)]);
    if (!row) throw new GatewayError(404, "NotFoundError", "Key not found");
    return row;
  }

  async update(keyOrHash: string, fields: KeyFields): Promise<VirtualKey> {
    const sets: string[] = [];
    const values: unknown[] = [toHash(keyOrHash)];
    for (const f of FIELDS) if (f in fields) sets.push(`${f} = $${values.push(fields[f])}`);
    if ("duration" in fields) sets.push(`expires = $${values.push(expiry(fields.duration))}`);
    if (!sets.length) throw new GatewayError(400, "BadRequestError", `nothing to update; fields: ${[...FIELDS, "duration"].join(", ")}`);
    const row = await this.one(`UPDATE "LiteLLM_VerificationToken" SET ${sets.join(", ")}, updated_at = now() WHERE token = $1 RETURNING *`, values);
    if (!row) throw new GatewayError(404, "NotFoundError", "Key not found");
    this.forget(row.token, true);
    return row;
  }

  async delete(keys: string[]): Promise<string[]> {
    const hashes = keys.map(toHash);
    const { rows } = await this.pool.query<{ token: string }>(`DELETE FROM "LiteLLM_VerificationToken" WHERE token = ANY($1) RETURNING token`, [hashes]);
    for (const h of hashes) this.forget(h, true);
    return rows.map((r) => r.token);
  }

  async list(): Promise<VirtualKey[]> {
    return (await this.pool.query<VirtualKey>(`SELECT * FROM "LiteLLM_VerificationToken" ORDER BY created_at`)).rows;
  }

  /** The key behind a presented secret: cached while fresh, else read again; while the database is down, the last known. */
  async lookup(presented: string): Promise<VirtualKey | undefined> {
    const token = hashKey(presented);
    const status: LRUCache.Status<string, VirtualKey> = {};
    const cached = this.cache.get(token, { allowStale: true, status });
    if (cached && status.get === "hit") return cached;
    if (this.unknown.has(token)) return undefined;
    let row: VirtualKey | undefined;
    try {
      row = await this.one(`SELECT * FROM "LiteLLM_VerificationToken" WHERE token = $1`, [token]);
    } catch {
      return this.whileDown(token, cached);
    }
    return row ? this.loaded(row) : this.missing(token);
  }

  /** Spend the database has not seen yet, on the request's key and the cached one: budgets hold between batch writes. */
  addSpend(key: VirtualKey, amount: number): void {
    if (!amount) return;
    this.unwritten(key.token, amount);
    key.spend += amount;
    const cached = this.cache.get(key.token, { allowStale: true });
    if (cached && cached !== key) cached.spend += amount;
    this.spendShare?.accrued(key.token, amount);
  }

  /** A spend batch landed: its amounts are in the keys' rows now. */
  settle(rows: { api_key: string; spend: number }[]): void {
    for (const { api_key, spend } of rows) {
      if (!(spend > 0)) continue; // never added (addSpend skips it), nor stored
      this.unwritten(api_key, -spend);
      this.spendShare?.landed(api_key, spend);
    }
  }

  /** Another worker's (or the replay's) spend: accrued counts at once on a cached key, all of it on the next reload. */
  private peerSpend(r: SpendReport): void {
    for (const [token, amount] of Object.entries({ ...r.accrued })) {
      this.unwritten(token, amount);
      const cached = this.cache.get(token, { allowStale: true });
      if (cached) cached.spend += amount;
    }
    for (const [token, amount] of Object.entries({ ...r.held })) this.unwritten(token, amount);
    for (const [token, amount] of Object.entries({ ...r.landed })) this.unwritten(token, -amount);
  }

  private unwritten(token: string, amount: number): void {
    const left = (this.unflushed.get(token) ?? 0) + amount;
    if (left > 1e-12) this.unflushed.set(token, left);
    else this.unflushed.delete(token);
  }

  private loaded(row: VirtualKey): VirtualKey {
    row.spend += this.unflushed.get(row.token) ?? 0;
    this.cache.set(row.token, row);
    this.shared?.remember(row);
    return row;
  }

  /** No such key (any more): remembered briefly, and the primary forgets it too (deleted by another instance). */
  private missing(token: string): undefined {
    this.cache.delete(token);
    this.unknown.set(token, true);
    this.shared?.forget(token, false);
    return undefined;
  }

  /**
   * The database failed: with allow_requests_on_db_unavailable, the last known entry or the primary's copy,
   * cached (again) so the requests of the next TTL skip the failing query and the key's spend accrues on it.
   */
  private async whileDown(token: string, stale: VirtualKey | undefined): Promise<VirtualKey> {
    const known = this.allowWhenDbDown ? (stale ?? (await this.shared?.recall(token))) : undefined;
    if (!known) throw new GatewayError(503, "ServiceUnavailableError", "The key database is unreachable; try again shortly");
    this.cache.set(token, known);
    return known;
  }

  /** Deleted, blocked or changed: dropped here, and with `everywhere` by the primary and every worker. */
  private forget(token: string, everywhere: boolean): void {
    this.drop(token);
    this.shared?.forget(token, everywhere);
  }

  private drop(token: string): void {
    this.cache.delete(token);
    this.unknown.delete(token);
  }

  private async one(sql: string, values: unknown[]): Promise<VirtualKey | undefined> {
    const { rows } = await this.pool.query<VirtualKey>(sql, values);
    return rows[0] ? normalize(rows[0]) : undefined;
  }
}

const toHash = (keyOrHash: string) => (keyOrHash.startsWith("sk-") ? hashKey(keyOrHash) : keyOrHash);
const expiry = (duration: unknown) => (typeof duration === "string" ? new Date(Date.now() + durationMs(duration)) : null);
const normalize = (r: VirtualKey): VirtualKey => ({ ...r, spend: Number(r.spend), max_budget: r.max_budget === null ? null : Number(r.max_budget), tpm_limit: r.tpm_limit === null ? null : Number(r.tpm_limit), rpm_limit: r.rpm_limit === null ? null : Number(r.rpm_limit) });

/** LiteLLM's refusals for a virtual key on a model. */
export function checkKey(key: VirtualKey, model: string | undefined): void {
  if (key.blocked) throw new GatewayError(401, "AuthenticationError", "Authentication Error - This key has been blocked");
  if (key.expires && key.expires.getTime() < Date.now()) throw new GatewayError(401, "AuthenticationError", `Authentication Error - Expired Key. Key Expiry time ${key.expires.toISOString()}`);
  if (model && key.models.length && !key.models.includes(model) && !key.models.includes("all-proxy-models")) {
    throw new GatewayError(401, "AuthenticationError", `Authentication Error - key not allowed to access model. This key can only access models=${JSON.stringify(key.models)}. Tried to access ${model}`);
  }
  if (overBudget(key)) {
    throw new GatewayError(400, "BadRequestError", `Budget has been exceeded! Current cost: ${key.spend}, Max budget: ${key.max_budget}`);
  }
}

export const overBudget = (key: VirtualKey): boolean => key.max_budget !== null && key.spend >= key.max_budget;
