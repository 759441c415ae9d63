// The gateway's state in Postgres: the pool, the key store, the spend writer, the stored deployments, and
// LiteLLM's admin routes for them.
import cluster from "node:cluster";
import type { IncomingMessage } from "node:http";
import type { GatewayConfig } from "../config/load.ts";
import { GatewayError } from "../errors.ts";
import { readJson } from "../http/body.ts";
import type { Logger } from "../log.ts";
import { createPool, QUERY_TIMEOUT_MS, shrinkPool, type Pool } from "./db.ts";
import { Sealer } from "./credentials.ts";
import { parseGenerate, parseUpdate } from "./key-fields.ts";
import { sharedKeys } from "./key-share.ts";
import { SpendJournal } from "./journal.ts";
import { KeyStore } from "./keys.ts";
import { ModelStore, redact } from "./models.ts";
import { sharedSpend } from "./spend-share.ts";
import { SpendWriter, type DropReason, type SpendEvents } from "./spend.ts";

export interface State {
  pool: Pool;
  keys: KeyStore;
  spend?: SpendWriter;
  /** With `store_model_in_db`. */
  models?: ModelStore;
  /** This worker is retiring: its pool gives its connections back for the replacement's. */
  retire(): Promise<void>;
  close(): Promise<void>;
}

export function openState(config: GatewayConfig, logger: Logger): State {
  const db = config.database!;
  const pool = createPool(db.url, { max: db.poolLimit, connectionTimeoutMs: db.connectionTimeoutMs, queryTimeoutMs: QUERY_TIMEOUT_MS });
  const models = config.storeModelsInDb ? new ModelStore(pool, config.saltKey ? new Sealer(config.saltKey) : undefined) : undefined;
  const keys = new KeyStore(pool, {
    allowWhenDbDown: db.allowWhenDown, ttlMs: db.keyCacheTtlMs, shared: db.allowWhenDown ? sharedKeys() : undefined, spendShare: sharedSpend(),
  });
  const spend = db.spendLogs ? spendWriter(pool, db.batchWriteMs, logger, (rows) => keys.settle(rows), journalOf(logger)) : undefined;
  spend?.start();
  return {
    pool, keys, spend, models,
    retire: () => shrinkPool(pool).catch(() => {}),
    close: async () => {
      await spend?.close();
      await pool.end().catch(() => {});
    },
  };
}

/** Rows one worker holds while the database is away (in memory and in its journal): ~70 MB of journal at most. */
const MAX_BUFFERED = 200_000;

const DROPPED: Record<DropReason, string> = {
  buffer_full: "the spend buffer is full: the oldest rows are dropped until the database is back",
  invalid_row: "the database rejected a spend log row; it is set aside and the others are written",
  shutdown: "spend log rows could not be written before shutdown and are lost (some of the last batch may have landed)",
};

/**
 * A cluster worker's journal, in the folder the primary chose (GATEKIT_SPEND_JOURNAL_DIR) and replays: only
 * workers journal, as only a primary replays.
 */
function journalOf(logger: Logger): SpendJournal | undefined {
  const dir = cluster.isWorker ? process.env.GATEKIT_SPEND_JOURNAL_DIR : undefined;
  if (!dir) return undefined;
  try {
    return new SpendJournal(dir, { onError: (e) => logger.error({ error: e.message, dir }, "the spend journal cannot be written: spend rows are kept in memory only until it can") });
  } catch (e) {
    logger.error({ error: (e as Error).message, dir }, "the spend journal cannot be opened: spend rows are kept in memory only");
    return undefined;
  }
}

/** The spend writer, logging an outage once and its end, and every row it gives up on with their count. */
function spendWriter(pool: Pool, intervalMs: number, logger: Logger, onSettled: SpendEvents["onSettled"], journal?: SpendJournal): SpendWriter {
  let fullAt: number | undefined; // the buffer_full count when this outage's first drop was logged
  const writer: SpendWriter = new SpendWriter(pool, {
    intervalMs, maxBuffered: MAX_BUFFERED, onSettled, journal,
    onError: (e) => logger.error({ error: e.message }, "spend logs could not be written; they stay buffered and are retried"),
    onRecovered: () => {
      const rows = fullAt === undefined ? 0 : writer.dropped.buffer_full - fullAt;
      logger[rows ? "error" : "warn"]({ droppedWhileFull: rows }, "spend logs are written again");
      fullAt = undefined;
    },
    onDropped: (reason, rows, rejected) => {
      if (reason === "buffer_full" && fullAt !== undefined) return; // counted; logged once per outage
      if (reason === "buffer_full") fullAt = writer.dropped.buffer_full - rows;
      const code = (rejected?.error as { code?: string } | undefined)?.code;
      logger.error({ rows, requestId: rejected?.requestId, code, error: rejected?.error.message }, DROPPED[reason]);
    },
  });
  return writer;
}

type AdminHandler = (req: IncomingMessage) => Promise<unknown>;

/** LiteLLM's admin API for keys, spend and models; every route needs the master key. */
export function adminRoutes(
  state: State, config: GatewayConfig, authorizeAdmin: (req: IncomingMessage) => Promise<void>, modelsChanged: () => Promise<void>,
): Record<string, AdminHandler> {
  const query = (req: IncomingMessage) => new URL(req.url ?? "/", "http://x").searchParams;
  const body = (req: IncomingMessage) => readJson(req, 1024 * 1024);
  const storedModels = () => {
    if (state.models) return state.models;
    throw new GatewayError(400, "BadRequestError", "storing models needs `general_settings.store_model_in_db: true`", "store_model_in_db");
  };
  const guarded = (h: AdminHandler): AdminHandler => async (req) => (await authorizeAdmin(req), h(req));
  const required = (value: unknown, name: string) => {
    if (typeof value !== "string" || !value) throw new GatewayError(400, "BadRequestError", `'${name}' is required`, name);
    return value;
  };
  return {
    "POST /key/generate": guarded(async (req) => state.keys.generate(parseGenerate(await body(req)))),
    "GET /key/info": guarded(async (req) => {
      const key = required(query(req).get("key"), "key");
      return { key, info: await state.keys.info(key) };
    }),
    "POST /key/update": guarded(async (req) => {
      const { key, ...fields } = parseUpdate(await body(req));
      return state.keys.update(key, fields);
    }),
    "POST /key/delete": guarded(async (req) => {
      const { keys } = await body(req);
      if (!Array.isArray(keys) || !keys.every((k) => typeof k === "string")) throw new GatewayError(400, "BadRequestError", "keys: expected a list of keys or their hashes", "keys");
      return { deleted_keys: await state.keys.delete(keys.map(String)) };
    }),
    "GET /key/list": guarded(async () => ({ keys: (await state.keys.list()).map((k) => k.token) })),
    "POST /model/new": guarded(async (req) => {
      const added = await storedModels().add(await body(req));
      await modelsChanged();
      return added;
    }),
    "POST /model/delete": guarded(async (req) => {
      const { id } = await body(req);
      await storedModels().remove(id);
      await modelsChanged();
      return { message: `Model: ${id} deleted successfully` };
    }),
    "GET /model/info": guarded(async () => ({ data: modelInfo(config) })),
    "GET /v1/model/info": guarded(async () => ({ data: modelInfo(config) })),
    "GET /spend/logs": guarded(async (req) => {
      await state.spend?.flush();
      const apiKey = query(req).get("api_key");
      const hashed = apiKey?.startsWith("sk-") ? (await import("./keys.ts")).hashKey(apiKey) : apiKey;
      const { rows } = await state.pool.query(
        `SELECT * FROM "LiteLLM_SpendLogs" ${hashed ? "WHERE api_key = $1" : ""} ORDER BY "startTime" DESC LIMIT 1000`, hashed ? [hashed] : [],
      );
      return rows;
    }),
  };
}

/** Every deployment as LiteLLM's /model/info lists it, without credentials. */
function modelInfo(config: GatewayConfig) {
  return config.deployments.map((d) => ({
    model_name: d.modelName,
    litellm_params: redact(d.params),
    model_info: { id: d.id, mode: d.mode, db_model: d.stored ?? false },
  }));
}
