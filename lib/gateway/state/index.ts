// The gateway's state in Postgres: the pool, the key store, the spend writer, and LiteLLM's admin routes.
import type { IncomingMessage } from "node:http";
import type { GatewayConfig } from "../config/load.ts";
import { GatewayError } from "../errors.ts";
import { readJson } from "../http/body.ts";
import type { Logger } from "../log.ts";
import { createPool, type Pool } from "./db.ts";
import { KeyStore } from "./keys.ts";
import { SpendWriter } from "./spend.ts";

export interface State {
  pool: Pool;
  keys: KeyStore;
  spend?: SpendWriter;
  close(): Promise<void>;
}

export function openState(db: NonNullable<GatewayConfig["database"]>, logger: Logger): State {
  const pool = createPool(db.url, { max: db.poolLimit, connectionTimeoutMs: db.connectionTimeoutMs });
  const keys = new KeyStore(pool, db.allowWhenDown);
  let warned = false;
  const spend = db.spendLogs
    ? new SpendWriter(pool, {
        intervalMs: db.batchWriteMs, maxBuffered: 200_000,
        onError: (e) => {
          if (!warned) logger.error({ error: e.message }, "spend logs could not be written; they stay buffered and are retried");
          warned = true;
        },
      })
    : undefined;
  spend?.start();
  return {
    pool, keys, spend,
    close: async () => {
      await spend?.close();
      await pool.end().catch(() => {});
    },
  };
}

type AdminHandler = (req: IncomingMessage) => Promise<unknown>;

/** LiteLLM's admin API for keys and spend; every route needs the master key. */
export function adminRoutes(state: State, authorizeAdmin: (req: IncomingMessage) => Promise<void>): Record<string, AdminHandler> {
  const query = (req: IncomingMessage) => new URL(req.url ?? "/", "http://x").searchParams;
  const body = (req: IncomingMessage) => readJson(req, 1024 * 1024);
  const guarded = (h: AdminHandler): AdminHandler => async (req) => (await authorizeAdmin(req), h(req));
  const required = (value: unknown, name: string) => {
    if (typeof value !== "string" || !value) throw new GatewayError(400, "BadRequestError", `'${name}' is required`, name);
    return value;
  };
  return {
    "POST /key/generate": guarded(async (req) => state.keys.generate(await body(req))),
    "GET /key/info": guarded(async (req) => {
      const key = required(query(req).get("key"), "key");
      return { key, info: await state.keys.info(key) };
    }),
    "POST /key/update": guarded(async (req) => {
      const { key, ...fields } = await body(req);
      return state.keys.update(required(key, "key"), fields);
    }),
    "POST /key/delete": guarded(async (req) => {
      const { keys } = await body(req);
      if (!Array.isArray(keys)) throw new GatewayError(400, "BadRequestError", "'keys' must be a list", "keys");
      return { deleted_keys: await state.keys.delete(keys.map(String)) };
    }),
    "GET /key/list": guarded(async () => ({ keys: (await state.keys.list()).map((k) => k.token) })),
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
