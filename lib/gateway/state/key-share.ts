// Keys verified by any worker of an instance, kept by the primary. A worker started while Postgres is down
// (a recycled or replaced one) has an empty cache of its own; with allow_requests_on_db_unavailable it asks
// the primary for the keys its siblings verified, so recycling during an outage refuses no valid key.
import cluster, { type Worker } from "node:cluster";
import { randomUUID } from "node:crypto";
import { LRUCache } from "lru-cache";
import type { VirtualKey } from "./keys.ts";

const REMEMBER = "gatekit:key-remember";
const RECALL = "gatekit:key-recall";
const RECALLED = "gatekit:key-recalled";
interface KeyMessage { type?: string; id?: string; token?: string; key?: VirtualKey | null }

export interface KeyShare {
  remember(key: VirtualKey): void;
  recall(token: string): Promise<VirtualKey | undefined>;
}

/** In a worker: the primary's shared key cache, or undefined outside a cluster. */
export function sharedKeys(): KeyShare | undefined {
  if (!cluster.isWorker) return undefined;
  const waiting = new Map<string, (key: VirtualKey | undefined) => void>();
  process.on("message", (m: KeyMessage) => {
    if (m?.type === RECALLED && m.id) waiting.get(m.id)?.(m.key ? revive(m.key) : undefined);
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
  };
}

/** In the primary: keep what workers verified, answer their recalls. */
export function keepSharedKeys(): void {
  const keys = new LRUCache<string, VirtualKey>({ max: 10_000 });
  cluster.on("message", (worker: Worker, m: KeyMessage) => {
    if (m?.type === REMEMBER && m.key) keys.set(m.key.token, m.key);
    if (m?.type === RECALL && m.id && m.token && worker.isConnected()) worker.send({ type: RECALLED, id: m.id, key: keys.get(m.token) ?? null });
  });
}

/** Dates arrive over IPC as strings. */
const revive = (key: VirtualKey): VirtualKey => ({ ...key, expires: key.expires ? new Date(key.expires) : null });
