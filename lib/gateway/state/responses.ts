// Stored Responses (`store: true`, the API's default) for `previous_response_id` and GET/DELETE
// /v1/responses/{id}: each row is one answer, the conversation items that led to it, and the key that made it
// (its hash; another key reads a 404). Rows expire after the retention period. With a database they live in
// Postgres (every worker and instance sees them); without one, in this worker's memory, bounded.
import type { Pool } from "./db.ts";

export interface StoredResponse {
  id: string;
  /** SHA-256 of the key that made it (Caller.hashedKey). */
  owner: string;
  /** The Responses API object as the client got it. */
  response: Record<string, unknown>;
  /** The input items the answer was made from, previous turns included. */
  input: unknown[];
}

export interface ResponseStore {
  /** Where stored answers live, for logs and docs. */
  readonly kind: "database" | "memory";
  put(r: StoredResponse): Promise<void>;
  /** The answer if `owner` made it and it has not expired. */
  get(id: string, owner: string): Promise<StoredResponse | undefined>;
  /** True when one was deleted. */
  delete(id: string, owner: string): Promise<boolean>;
  close(): void;
}

/** OpenAI keeps stored responses 30 days; so does gatekit unless told otherwise. */
export const DEFAULT_RETENTION_MS = 30 * 24 * 3600_000;
const PURGE_EVERY_MS = 3600_000;

export class PgResponseStore implements ResponseStore {
  readonly kind = "database";
  /** Writes in flight, so that a follow-up on this worker finds its previous answer even before the row lands. */
  private readonly pending = new Map<string, Promise<void>>();
  private readonly purge: NodeJS.Timeout;

  constructor(private readonly pool: Pool, private readonly retentionMs = DEFAULT_RETENTION_MS, onError: (e: Error) => void = () => {}) {
    this.purge = setInterval(() => void pool.query("DELETE FROM gatekit_responses WHERE expires_at < now()").catch(onError), PURGE_EVERY_MS).unref();
  }

  put(r: StoredResponse): Promise<void> {
    const write = this.pool
      .query(
        `INSERT INTO gatekit_responses (id, owner, response, input, expires_at) VALUES ($1, $2, $3, $4, now() + $5 * interval '1 millisecond')
         ON CONFLICT (id) DO UPDATE SET response = EXCLUDED.response, input = EXCLUDED.input, expires_at = EXCLUDED.expires_at WHERE gatekit_responses.owner = EXCLUDED.owner`,
        [r.id, r.owner, JSON.stringify(r.response), JSON.stringify(r.input), this.retentionMs],
      )
      .then(() => undefined)
      .finally(() => this.pending.delete(r.id));
    this.pending.set(r.id, write.catch(() => {}));
    return write;
  }

  async get(id: string, owner: string): Promise<StoredResponse | undefined> {
    await this.pending.get(id);
    const { rows } = await this.pool.query<{ response: Record<string, unknown>; input: unknown[] }>(
      "SELECT response, input FROM gatekit_responses WHERE id = $1 AND owner = $2 AND expires_at > now()", [id, owner],
    );
    return rows[0] && { id, owner, response: rows[0].response, input: rows[0].input };
  }

  async delete(id: string, owner: string): Promise<boolean> {
    await this.pending.get(id);
    const { rowCount } = await this.pool.query("DELETE FROM gatekit_responses WHERE id = $1 AND owner = $2", [id, owner]);
    return (rowCount ?? 0) > 0;
  }

  close(): void {
    clearInterval(this.purge);
  }
}

/** Without a database: this worker's memory, the oldest dropped past `max` entries. */
export class MemoryResponseStore implements ResponseStore {
  readonly kind = "memory";
  private readonly rows = new Map<string, StoredResponse & { expires: number }>();

  constructor(private readonly retentionMs = DEFAULT_RETENTION_MS, private readonly max = 10_000) {}

  async put(r: StoredResponse): Promise<void> {
    const old = this.rows.get(r.id);
    if (old && old.owner !== r.owner) return;
    this.rows.delete(r.id);
    this.rows.set(r.id, { ...r, expires: Date.now() + this.retentionMs });
    if (this.rows.size > this.max) this.rows.delete(this.rows.keys().next().value!);
  }

  async get(id: string, owner: string): Promise<StoredResponse | undefined> {
    const r = this.rows.get(id);
    if (!r || r.owner !== owner) return undefined;
    if (r.expires < Date.now()) return void this.rows.delete(id);
    return r;
  }

  async delete(id: string, owner: string): Promise<boolean> {
    if (!(await this.get(id, owner))) return false;
    return this.rows.delete(id);
  }

  close(): void {}
}
