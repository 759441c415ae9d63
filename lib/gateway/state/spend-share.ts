// Spend not yet in Postgres, shared by the workers of an instance through the primary, so that a key's budget
// counts what every worker (and the journal replayed at start) has accrued — not only this worker's own.
// Workers report per key, batched every SHARE_MS (never a message per request); the primary keeps each
// source's amounts and passes each report on to the other workers; a worker that starts asks for the totals.
// With Redis, the primary also publishes its instance's totals there and reads the other instances' (every
// REDIS_SHARE_MS), which it reports to its workers like any other source.
import cluster, { type Worker } from "node:cluster";
import type { SharedRedis } from "./redis.ts";

const REPORT = "gatekit:spend";
const HELLO = "gatekit:spend-hello";
/** How often a worker reports: the longest a sibling's spend goes unseen by this worker's budgets. */
export const SHARE_MS = 50;

/**
 * Amounts per key token. `accrued`: new spend (counted in cached keys and in what a reload adds); `held`:
 * spend not in Postgres that cached keys already count (a crashed worker's rows taken over by the replay);
 * `landed`: now in Postgres (a reload reads it there).
 */
export interface SpendReport { accrued?: Record<string, number>; held?: Record<string, number>; landed?: Record<string, number> }
interface ReportMessage extends SpendReport { type?: string }

export interface SpendShare {
  accrued(token: string, amount: number): void;
  landed(token: string, amount: number): void;
  /** Reports of the other workers and the primary, the first being the totals when this worker started. */
  onPeer(listener: (r: SpendReport) => void): void;
}

/** In a worker: this instance's shared spend, or undefined outside a cluster. */
export function sharedSpend(): SpendShare | undefined {
  if (!cluster.isWorker) return undefined;
  let out: { accrued: Record<string, number>; landed: Record<string, number> } = { accrued: {}, landed: {} };
  let timer: NodeJS.Timeout | undefined;
  let listener = (_r: SpendReport) => {};
  // Reports passed on before the totals arrive are in the totals already.
  let started = false;
  const flush = () => {
    timer = undefined;
    if (process.connected) process.send!({ type: REPORT, ...out } satisfies ReportMessage, undefined, {}, () => {});
    out = { accrued: {}, landed: {} };
  };
  const add = (side: "accrued" | "landed", token: string, amount: number) => {
    out[side][token] = (out[side][token] ?? 0) + amount;
    timer ??= setTimeout(flush, SHARE_MS).unref();
  };
  process.on("message", (m: ReportMessage) => {
    if (m?.type === HELLO) started = true;
    if ((m?.type === REPORT && started) || m?.type === HELLO) listener(m);
  });
  return {
    accrued: (token, amount) => add("accrued", token, amount),
    landed: (token, amount) => add("landed", token, amount),
    onPeer: (l) => {
      listener = l;
      if (process.connected) process.send!({ type: HELLO } satisfies ReportMessage, undefined, {}, () => {});
    },
  };
}

/** In the primary: every source's amounts (a worker, or the replay), and what is passed on. */
export interface SpendHub {
  /** The primary's own sources (the replay, other instances): reported to every worker. */
  report(r: SpendReport, source?: "primary" | "remote"): void;
  /** This instance's unwritten spend per key (other instances' left out). */
  totals(): Map<string, number>;
  /** A worker exited: its amounts, no longer its own, are dropped as held (the replay takes its rows over). */
  exited(worker: Worker): void;
}

export function keepSharedSpend(): SpendHub {
  const sources = new Map<string, Map<string, number>>();
  const apply = (source: string, r: SpendReport) => {
    const s = sources.get(source) ?? sources.set(source, new Map()).get(source)!;
    for (const [t, a] of Object.entries({ ...r.accrued })) s.set(t, (s.get(t) ?? 0) + a);
    for (const [t, a] of Object.entries({ ...r.held })) s.set(t, (s.get(t) ?? 0) + a);
    for (const [t, a] of Object.entries({ ...r.landed })) {
      const left = (s.get(t) ?? 0) - a;
      if (left > 1e-12) s.set(t, left);
      else s.delete(t);
    }
  };
  const passOn = (from: Worker | undefined, r: SpendReport) => {
    for (const w of Object.values(cluster.workers ?? {})) if (w && w !== from && w.isConnected()) w.send({ type: REPORT, ...r }, undefined, () => {});
  };
  cluster.on("message", (worker: Worker, m: ReportMessage) => {
    if (m?.type === REPORT) apply(String(worker.id), m), passOn(worker, { accrued: m.accrued, landed: m.landed });
    if (m?.type === HELLO && worker.isConnected()) {
      const held: Record<string, number> = {};
      for (const s of sources.values()) for (const [t, a] of s) held[t] = (held[t] ?? 0) + a;
      worker.send({ type: HELLO, held }, undefined, () => {});
    }
  });
  return {
    report: (r, source = "primary") => (apply(source, r), passOn(undefined, r)),
    totals: () => {
      const sum = new Map<string, number>();
      for (const [name, s] of sources) if (name !== "remote") for (const [t, a] of s) sum.set(t, (sum.get(t) ?? 0) + a);
      return sum;
    },
    exited: (worker) => {
      const s = sources.get(String(worker.id));
      sources.delete(String(worker.id));
      if (s?.size) passOn(worker, { landed: Object.fromEntries(s) });
    },
  };
}

/** How often the primary publishes its instance's unwritten spend to Redis and reads the other instances'. */
export const REDIS_SHARE_MS = 1000;
const INSTANCES = "gatekit:spend:instances";
const unwrittenOf = (instance: string) => `gatekit:spend:unwritten:${instance}`;
/**
 * An instance that stops publishing (gone for good, its journal with it) stops counting after this long. One
 * that comes back replays its journal and publishes it again under the same id (kept in the journal folder).
 */
const INSTANCE_TTL_SECONDS = 3600;

/** In the primary: this instance's totals to Redis, the others' to the workers. Returns its stop. */
export function shareAcrossInstances(hub: SpendHub, redis: SharedRedis, instance: string): () => void {
  const own = unwrittenOf(instance);
  let published = new Map<string, number>();
  let remote = new Map<string, number>();
  let fresh = true; // what Redis holds for this id is a previous run's; this run's replay counts it again
  let busy = false;
  const tick = async () => {
    if (busy || !redis.ready) return;
    busy = true;
    try {
      const mine = hub.totals();
      const tx = redis.client.multi();
      if (fresh) tx.del(own), (published = new Map());
      for (const [t, a] of mine) if (published.get(t) !== a) tx.hset(own, t, String(a));
      for (const t of published.keys()) if (!mine.has(t)) tx.hdel(own, t);
      tx.expire(own, INSTANCE_TTL_SECONDS).sadd(INSTANCES, instance);
      await tx.exec();
      published = mine;
      fresh = false;
      const others = (await redis.client.smembers(INSTANCES)).filter((i) => i !== instance);
      const next = new Map<string, number>();
      for (const id of others) {
        const h = await redis.client.hgetall(unwrittenOf(id));
        if (!Object.keys(h).length) void redis.client.srem(INSTANCES, id).catch(() => {});
        for (const [t, a] of Object.entries(h)) next.set(t, (next.get(t) ?? 0) + Number(a));
      }
      // Growth elsewhere is new spend (cached keys count it at once); shrinkage landed in Postgres.
      const accrued: Record<string, number> = {};
      const landed: Record<string, number> = {};
      for (const t of new Set([...next.keys(), ...remote.keys()])) {
        const d = (next.get(t) ?? 0) - (remote.get(t) ?? 0);
        if (d > 1e-12) accrued[t] = d;
        else if (d < -1e-12) landed[t] = -d;
      }
      remote = next;
      if (Object.keys(accrued).length || Object.keys(landed).length) hub.report({ accrued, landed }, "remote");
    } catch {
      // Redis failed mid-way: the next tick starts over; SharedRedis logs the outage once.
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), REDIS_SHARE_MS);
  timer.unref();
  return () => clearInterval(timer);
}
