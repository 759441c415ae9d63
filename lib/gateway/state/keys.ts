// Virtual keys, LiteLLM's fields and admin API semantics. Only SHA-256 hashes are stored; look-ups are cached
// in-process briefly, and a cached key keeps working while the database is down.
import { createHash, randomBytes } from "node:crypto";
import { LRUCache } from "lru-cache";
import { GatewayError } from "../errors.ts";
import type { Pool } from "./db.ts";
import type { KeyShare } from "./key-share.ts";

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
type Fields = Partial<Record<(typeof FIELDS)[number] | "duration", unknown>>;

/** LiteLLM's durations: "30s", "10m", "24h", "30d". */
export function parseDuration(text: string): number {
  const m = /^(\d+)\s*([smhd])$/.exec(text.trim());
  if (!m) throw new GatewayError(400, "BadRequestError", `duration must look like 30s, 10m, 24h or 30d, got "${text}"`, "duration");
  return Number(m[1]) * { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 }[m[2] as "s" | "m" | "h" | "d"];
}

export class KeyStore {
  private readonly cache = new LRUCache<string, VirtualKey | false>({ max: 10_000, ttl: 60_000, allowStale: false });

  constructor(private readonly pool: Pool, private readonly allowWhenDbDown: boolean, private readonly shared?: KeyShare) {}

  async generate(fields: Fields & { key?: string }): Promise<{ key: string } & VirtualKey> {
    const key = typeof fields.key === "string" ? fields.key : `sk-${randomBytes(24).toString("base64url")}`;
    if (!key.startsWith("sk-")) throw new GatewayError(400, "BadRequestError", "a key must start with sk-", "key");
    const row = await this.one(
      `INSERT INTO "LiteLLM_VerificationToken" (token, key_name, key_alias, max_budget, budget_duration, expires, models, tpm_limit, rpm_limit, max_parallel_requests, metadata, blocked)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING *`,
      [hashKey(key), `sk-...${key.slice(-4)}`, fields.key_alias ?? null, fields.max_budget ?? null, fields.budget_duration ?? null, expiry(fields.duration),
        (fields.models as string[] | undefined) ?? [], fields.tpm_limit ?? null, fields.rpm_limit ?? null, fields.max_parallel_requests ?? null, fields.metadata ?? {}, fields.blocked ?? false],
    );
    return { key, ...row! };
  }

  async info(keyOrHash: string): Promise<VirtualKey> {
    const row = await this.one(`SELECT * FROM "LiteLLM_VerificationToken" WHERE token = $1`, [toHash(keyOrHash)]);
    if (!row) throw new GatewayError(404, "NotFoundError", "Key not found");
    return row;
  }

  async update(keyOrHash: string, fields: Fields): Promise<VirtualKey> {
    const sets: string[] = [];
    const values: unknown[] = [toHash(keyOrHash)];
    for (const f of FIELDS) if (f in fields) sets.push(`${f} = $${values.push(fields[f])}`);
    if ("duration" in fields) sets.push(`expires = $${values.push(expiry(fields.duration))}`);
    if (!sets.length) throw new GatewayError(400, "BadRequestError", `nothing to update; fields: ${[...FIELDS, "duration"].join(", ")}`);
    const row = await this.one(`UPDATE "LiteLLM_VerificationToken" SET ${sets.join(", ")}, updated_at = now() WHERE token = $1 RETURNING *`, values);
    if (!row) throw new GatewayError(404, "NotFoundError", "Key not found");
    this.cache.delete(row.token);
    return row;
  }

  async delete(keys: string[]): Promise<string[]> {
    const hashes = keys.map(toHash);
    const { rows } = await this.pool.query<{ token: string }>(`DELETE FROM "LiteLLM_VerificationToken" WHERE token = ANY($1) RETURNING token`, [hashes]);
    for (const h of hashes) this.cache.delete(h);
    return rows.map((r) => r.token);
  }

  async list(): Promise<VirtualKey[]> {
    return (await this.pool.query<VirtualKey>(`SELECT * FROM "LiteLLM_VerificationToken" ORDER BY created_at`)).rows;
  }

  /** The key behind a presented secret, from the cache when fresh; a stale entry serves while the database is down. */
  async lookup(presented: string): Promise<VirtualKey | undefined> {
    const token = hashKey(presented);
    const cached = this.cache.get(token);
    if (cached !== undefined) return cached || undefined;
    try {
      const row = await this.one(`SELECT * FROM "LiteLLM_VerificationToken" WHERE token = $1`, [token]);
      this.cache.set(token, row ?? false);
      if (row) this.shared?.remember(row);
      return row;
    } catch {
      const known = this.allowWhenDbDown ? (this.cache.get(token, { allowStale: true }) || (await this.shared?.recall(token))) : undefined;
      if (known) return known;
      throw new GatewayError(503, "ServiceUnavailableError", "The key database is unreachable; try again shortly");
    }
  }

  /** Remembers spend the database has not seen yet, so budgets hold between batch writes. */
  addSpend(token: string, amount: number): void {
    const cached = this.cache.get(token, { allowStale: true });
    if (cached) cached.spend += amount;
  }

  private async one(sql: string, values: unknown[]): Promise<VirtualKey | undefined> {
    const { rows } = await this.pool.query<VirtualKey>(sql, values);
    return rows[0] ? normalize(rows[0]) : undefined;
  }
}

const toHash = (keyOrHash: string) => (keyOrHash.startsWith("sk-") ? hashKey(keyOrHash) : keyOrHash);
const expiry = (duration: unknown) => (typeof duration === "string" ? new Date(Date.now() + parseDuration(duration)) : null);
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
