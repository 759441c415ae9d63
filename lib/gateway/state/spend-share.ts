// Spend not yet in Postgres, shared by the workers of an instance through the primary, so that a key's budget
// counts what every worker (and the journal replayed at start) has accrued — not only this worker's own.
// Workers report per key, batched every SHARE_MS (never a message per request); the primary keeps each
// source's amounts and passes each report on to the other workers; a worker that starts asks for the totals.
import cluster, { type Worker } from "node:cluster";

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
  /** The primary's own source (the replay): reported to every worker. */
  report(r: SpendReport): void;
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
    report: (r) => (apply("primary", r), passOn(undefined, r)),
    exited: (worker) => {
      const s = sources.get(String(worker.id));
      sources.delete(String(worker.id));
      if (s?.size) passOn(worker, { landed: Object.fromEntries(s) });
    },
  };
}
