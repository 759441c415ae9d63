// Postgres for keys and spend: one pool per worker of `database_connection_pool_limit` connections, and the
// schema migrations, applied by one process at a time under an advisory lock.
import pg from "pg";

export type Pool = pg.Pool;

/** How long a query may run once sent; a frozen or unreachable server fails the query instead of hanging it. */
export const QUERY_TIMEOUT_MS = 5_000;

/**
 * `queryTimeoutMs` bounds each query on the client (the connection is then discarded) and on the server
 * (statement_timeout, so the server stops working on it too). The migration pool goes without: it waits on
 * the advisory lock for as long as another starter migrates.
 */
export function createPool(url: string, opts: { max: number; connectionTimeoutMs: number; queryTimeoutMs?: number }): Pool {
  const pool = new pg.Pool({
    connectionString: url, max: opts.max, connectionTimeoutMillis: opts.connectionTimeoutMs, idleTimeoutMillis: 30_000,
    // TCP keep-alive finds a peer that vanished (a network partition) on an idle connection.
    keepAlive: true,
    ...(opts.queryTimeoutMs ? { query_timeout: opts.queryTimeoutMs, statement_timeout: opts.queryTimeoutMs } : {}),
  });
  // A pool emits errors of idle clients (e.g. the server restarted); the next query reconnects.
  pool.on("error", () => {});
  return pool;
}

/**
 * A retiring worker's pool: idle connections closed now, later ones as soon as they are released, and at most
 * one open — so its replacement's pool fits within pool × workers. One stays for in-flight requests and the
 * final spend flush.
 */
export async function shrinkPool(pool: Pool): Promise<void> {
  pool.options.max = 1;
  pool.options.idleTimeoutMillis = 1;
  while (pool.idleCount > 0 && !pool.ending) {
    const client = await pool.connect();
    client.release(true); // destroys it rather than returning it to the pool
  }
}

const MIGRATION_LOCK = 7_274_701;

/** Versioned, in order, each in its own transaction; never edit one that has shipped — add the next. */
export const MIGRATIONS: { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE "LiteLLM_VerificationToken" (
        token text PRIMARY KEY,             -- SHA-256 of the key, never the key
        key_name text, key_alias text,
        spend double precision NOT NULL DEFAULT 0,
        max_budget double precision, budget_duration text, budget_reset_at timestamptz,
        expires timestamptz,
        models text[] NOT NULL DEFAULT '{}',
        tpm_limit bigint, rpm_limit bigint, max_parallel_requests integer,
        metadata jsonb NOT NULL DEFAULT '{}',
        blocked boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE "LiteLLM_SpendLogs" (
        request_id text PRIMARY KEY, call_type text NOT NULL, api_key text NOT NULL DEFAULT '',
        spend double precision NOT NULL DEFAULT 0,
        total_tokens integer NOT NULL DEFAULT 0, prompt_tokens integer NOT NULL DEFAULT 0, completion_tokens integer NOT NULL DEFAULT 0,
        "startTime" timestamptz NOT NULL, "endTime" timestamptz NOT NULL,
        model text NOT NULL DEFAULT '', model_id text, model_group text, api_base text, "user" text,
        metadata jsonb NOT NULL DEFAULT '{}', cache_hit text NOT NULL DEFAULT 'False', request_tags jsonb NOT NULL DEFAULT '[]'
      );
      CREATE INDEX "LiteLLM_SpendLogs_api_key_idx" ON "LiteLLM_SpendLogs" (api_key);
      CREATE INDEX "LiteLLM_SpendLogs_startTime_idx" ON "LiteLLM_SpendLogs" ("startTime");`,
  },
  {
    version: 2,
    sql: `
      -- Deployments added with /model/new; secrets in litellm_params are sealed (credentials.ts).
      CREATE TABLE "LiteLLM_ProxyModelTable" (
        model_id text PRIMARY KEY, model_name text NOT NULL,
        litellm_params jsonb NOT NULL, model_info jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now()
      );
      -- A value sealed under the salt key, to refuse a start with a different one.
      CREATE TABLE gatekit_salt_check (id integer PRIMARY KEY CHECK (id = 1), probe text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());`,
  },
  {
    version: 3,
    sql: `
      -- The console's key list: each sort order and the alias search read one index, never the whole table.
      CREATE INDEX "LiteLLM_VerificationToken_created_at_idx" ON "LiteLLM_VerificationToken" (created_at, token);
      CREATE INDEX "LiteLLM_VerificationToken_spend_idx" ON "LiteLLM_VerificationToken" (spend, token);
      CREATE INDEX "LiteLLM_VerificationToken_key_alias_idx" ON "LiteLLM_VerificationToken" (key_alias, token);
      CREATE INDEX "LiteLLM_VerificationToken_expires_idx" ON "LiteLLM_VerificationToken" (expires, token);
      CREATE INDEX "LiteLLM_VerificationToken_max_budget_idx" ON "LiteLLM_VerificationToken" (max_budget, token);
      CREATE INDEX "LiteLLM_VerificationToken_alias_search_idx" ON "LiteLLM_VerificationToken" (lower(key_alias) text_pattern_ops);
      -- Failed requests are logged too (LiteLLM's status column), for the Logs page and errors by type.
      ALTER TABLE "LiteLLM_SpendLogs" ADD COLUMN status text NOT NULL DEFAULT 'success';
      CREATE INDEX "LiteLLM_SpendLogs_model_group_idx" ON "LiteLLM_SpendLogs" (model_group, "startTime");`,
  },
  {
    version: 4,
    sql: `
      -- Stored Responses API answers (store: true) for previous_response_id and GET/DELETE /v1/responses/{id};
      -- owner is the hash of the key that made one (state/responses.ts).
      CREATE TABLE gatekit_responses (
        id text PRIMARY KEY, owner text NOT NULL,
        response jsonb NOT NULL, input jsonb NOT NULL DEFAULT '[]',
        created_at timestamptz NOT NULL DEFAULT now(), expires_at timestamptz NOT NULL
      );
      CREATE INDEX gatekit_responses_expires_idx ON gatekit_responses (expires_at);`,
  },
];

/** Applies the migrations this database lacks; concurrent starters wait on the lock and find nothing to do. */
export async function migrate(pool: Pool): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS gatekit_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await client.query<{ version: number }>("SELECT version FROM gatekit_migrations")).rows.map((r) => r.version));
    const applied: number[] = [];
    for (const m of MIGRATIONS.filter((m) => !done.has(m.version))) {
      await client.query("BEGIN");
      try {
        await client.query(m.sql);
        await client.query("INSERT INTO gatekit_migrations (version) VALUES ($1)", [m.version]);
        await client.query("COMMIT");
        applied.push(m.version);
      } catch (e) {
        await client.query("ROLLBACK");
        throw new Error(`migration ${m.version} failed: ${(e as Error).message}`);
      }
    }
    return applied;
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => {});
    client.release();
  }
}
