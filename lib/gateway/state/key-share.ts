// Keys verified by any worker of an instance, kept by the primary. A worker started while Postgres is down
// (a recycled or replaced one) has an empty cache of its own; with allow_requests_on_db_unavailable it asks
// the primary for the keys its siblings verified, so recycling during an outage refuses no valid key.
// A key deleted or changed through any worker is forgotten by the primary and by every worker, so it can't
// come back from a cache during an outage.
import cluster, { type Worker } from "node:cluster";
import { randomUUID } from "node:crypto";
import { LRUCache } from "lru-cache";
import type { VirtualKey } from "./keys.ts";

const REMEMBER = "gatekit:key-remember";
const RECALL = "gatekit:key-recall";
const RECALLED = "gatekit:key-recalled";
const FORGET = "gatekit:key-forget";
interface KeyMessage { type?: string; id?: string; token?: string; key?: VirtualKey | null; everywhere?: boolean }

/**
 * How long the primary keeps a key after a worker last read it from the database. Workers re-read active keys
 * every user_api_key_cache_ttl, so this only bounds how long a key deleted on another instance (which this
 * one never hears of) can be recalled during an outage.
 */
export const SHARED_KEY_TTL_MS = 10 * 60_000;

export interface KeyShare {
  remember(key: VirtualKey): void;
  recall(token: string): Promise<VirtualKey | undefined>;
  /** Drops the key in the primary; `everywhere` also in every worker (deleted or changed here). */
  forget(token: string, everywhere: boolean): void;
  /** Called when another worker's change makes this worker drop a key. */
  onForget(listener: (token: string) => void): void;
}

/** In a worker: the primary's shared key cache, or undefined outside a cluster. */
export function sharedKeys(): KeyShare | undefined {
  if (!cluster.isWorker) return undefined;
  const waiting = new Map<string, (key: VirtualKey | undefined) => void>();
  let forgotten = (_token: string) => {};
  process.on("message", (m: KeyMessage) => {
    if (m?.type === RECALLED && m.id) waiting.get(m.id)?.(m.key ? revive(m.key) : undefined);
    if (m?.type === FORGET && m.token) forgotten(m.token);
  });
  const send = (m: KeyMessage) => process.connected && process.send!(m);
  return {
    remember: (key) => send({ type: REMEMBER, key }),
    recall: (token) =>
      new Promise((resolve) => {
        const id = randomUUID();
        const timer = setTimeout(() => done(undefined), 1000);
        const done = (key: VirtualKey | undefined) => (clearTimeout(timer), waiting.delete(id), resolve(key));
        waiting.set(id, done);
        send({ type: RECALL, id, token });
      }),
    forget: (token, everywhere) => send({ type: FORGET, token, everywhere }),
    onForget: (listener) => (forgotten = listener),
  };
}

/** In the primary: keep what workers verified, answer their recalls, pass on what they forget. */
export function keepSharedKeys(ttlMs = SHARED_KEY_TTL_MS): void {
  const keys = new LRUCache<string, VirtualKey>({ max: 10_000, ttl: ttlMs });
  cluster.on("message", (worker: Worker, m: KeyMessage) => {
    if (m?.type === REMEMBER && m.key) keys.set(m.key.token, m.key);
    if (m?.type === RECALL && m.id && m.token && worker.isConnected()) worker.send({ type: RECALLED, id: m.id, key: keys.get(m.token) ?? null });
    if (m?.type === FORGET && m.token) {
      keys.delete(m.token);
      if (m.everywhere) for (const w of Object.values(cluster.workers ?? {})) if (w !== worker && w?.isConnected()) w.send({ type: FORGET, token: m.token });
    }
  });
}

/** Dates arrive over IPC as strings. */
const revive = (key: VirtualKey): VirtualKey => ({ ...key, expires: key.expires ? new Date(key.expires) : null });
