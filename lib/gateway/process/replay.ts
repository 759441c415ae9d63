// The journal's replay, run by the primary. Why the primary: at its start no worker runs, so every segment in
// the folder is a previous run's and none is being written — no claim between workers is needed; and when a
// worker dies, the primary (which forks its replacement) knows its pid and takes its segments over. Its rows go
// through the same batch insert as the workers' (request id as the key: a row already in Postgres is skipped,
// never counted twice), retried until Postgres has them; segments are deleted as their rows land. Until then
// the primary reports their spend to the workers, so budgets count it. On a claim shared by pods it also takes
// over the folders of pods that are gone.
import type { Worker } from "node:cluster";
import type { Logger } from "../log.ts";
import { createPool, QUERY_TIMEOUT_MS, type Pool } from "../state/db.ts";
import { adoptOrphans, beat, ORPHAN_MS, queueOf, readSegments, SegmentQueue } from "../state/journal.ts";
import type { SpendHub } from "../state/spend-share.ts";
import { SpendWriter, type SpendRow } from "../state/spend.ts";

export interface Replay {
  /** The first write of what the folder held at start, bounded: workers fork after it (budgets are right at once). */
  ready: Promise<void>;
  /** A worker exited: its segments are replayed. */
  adopt(worker: Worker): void;
  close(): Promise<void>;
}

const RETRY_MS = 2000;
const FIRST_WRITE_MS = 10_000;

/**
 * `shared`: the folder is one pod's on a claim shared by pods (GATEKIT_SPEND_JOURNAL_SHARED=1): it beats, and
 * takes over the folders beside it whose pods are gone (journal.ts adoptOrphans).
 */
export function startReplay(dir: string, databaseUrl: string, logger: Logger, hub: SpendHub, shared = false): Replay {
  const queue = new SegmentQueue();
  let pool: Pool | undefined;
  let writer: SpendWriter | undefined;
  const writerOf = () => {
    if (writer) return writer;
    pool = createPool(databaseUrl, { max: 1, connectionTimeoutMs: 5000, queryTimeoutMs: QUERY_TIMEOUT_MS });
    writer = new SpendWriter(pool, {
      intervalMs: RETRY_MS, maxBuffered: Infinity,
      onError: (e) => logger.error({ error: e.message, rows: queue.rows }, "journaled spend rows could not be written yet; retrying"),
      onSettled: (rows) => {
        queue.release(rows.length);
        hub.report({ landed: byKey(rows) });
        if (!queue.rows) logger.info("the spend journal is replayed: every row is in the database");
      },
      onDropped: (reason, rows, rejected) => {
        if (reason === "invalid_row") logger.error({ rows, requestId: rejected?.requestId, error: rejected?.error.message }, "the database rejected a journaled spend row; it is set aside");
      },
    });
    writer.start();
    return writer;
  };

  /** The segments `keep` picks (all when undefined), their spend reported as new (`accrued`) or already counted (`held`). */
  const take = (keep: Parameters<typeof readSegments>[1], as: "accrued" | "held", what: string) => {
    let found;
    try {
      found = readSegments(dir, keep);
    } catch (e) {
      return logger.error({ error: (e as Error).message, dir }, "the spend journal could not be read");
    }
    const rows = found.flatMap((f) => f.rows);
    const torn = found.reduce((n, f) => n + f.torn, 0);
    queue.segments.push(...queueOf(found).segments);
    if (torn) logger.warn({ lines: torn }, "spend journal lines that do not parse (a write torn by a machine crash) are skipped");
    if (!rows.length) return;
    logger.warn({ rows, segments: found.length }, `replaying the spend journal ${what}`);
    hub.report({ [as]: byKey(rows) });
    const w = writerOf();
    for (const r of rows) w.add(r);
    return w.flush();
  };

  const orphans = () => {
    const moved = new Set(adoptOrphans(dir));
    return moved.size ? take((name) => moved.has(name), "accrued", "of a pod that is gone (moved here from the folder beside this one)") : undefined;
  };
  if (shared) orphans();
  const first = take(undefined, "accrued", "left by the last run");
  // The heartbeat that keeps this folder from being taken over; other pods' orphans are looked for as often.
  const beating = shared ? setInterval(() => (beat(dir), void orphans()), ORPHAN_MS / 6) : undefined;
  beating?.unref();
  return {
    ready: first ? within(first, FIRST_WRITE_MS) : Promise.resolve(),
    adopt: (worker) => {
      void take((_name, pid) => pid === worker.process.pid, "held", "of a worker that exited");
      hub.exited(worker);
    },
    close: async () => {
      clearInterval(beating);
      const left = (await writer?.close(5000)) ?? 0;
      if (left) logger.warn({ rows: left }, "journaled spend rows stay in the journal for the next start");
      await pool?.end().catch(() => {});
    },
  };
}

function byKey(rows: SpendRow[]): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const r of rows) if (r.api_key && r.spend > 0) sums[r.api_key] = (sums[r.api_key] ?? 0) + r.spend;
  return sums;
}

async function within(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}
