// The primary: forks N workers, replaces each after its request budget (plus jitter, so they never recycle
// together) or a crash, runs the health app, and on SIGTERM drains everything before exiting 0.
import cluster, { type Worker } from "node:cluster";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startAlertDelivery } from "../alerts/index.ts";
import type { GatewayConfig } from "../config/load.ts";
import { randomHex } from "../ids.ts";
import type { Logger } from "../log.ts";
import { startMetricsAggregator } from "../metrics.ts";
import { relayCooldowns } from "../router/shared.ts";
import { instanceId, journalSize } from "../state/journal.ts";
import { keepSharedKeys } from "../state/key-share.ts";
import { SharedRedis } from "../state/redis.ts";
import { keepSharedSpend, shareAcrossInstances } from "../state/spend-share.ts";
import type { GatewayOptions } from "../options.ts";
import { startHealthApp } from "./health.ts";
import { MSG, type Message, type WorkerStart } from "./messages.ts";
import { startReplay } from "./replay.ts";

/**
 * V8 flags each worker gets unless node was given the same one (its own flags, or NODE_OPTIONS):
 * - a 32 MiB young generation: at Node's default a worker under load scavenges every few hundred requests, and
 *   each scavenge copies what the requests in flight hold; at 32 MiB the GC pause per request is a fifth of
 *   that or less (docs/performance.md);
 * - no memory reducer: the GCs it runs in an idle minute throw away compiled code and its feedback, and the
 *   worker did not win it back — a streamed Responses request cost 29% more instructions 15,000 requests after
 *   a minute's pause (docs/performance.md). A server keeps its heap for the next burst instead.
 */
const WORKER_FLAGS = [
  { flag: "--max-semi-space-size=32", given: /^--max[-_]semi[-_]space[-_]size/ },
  { flag: "--no-memory-reducer", given: /^--(no-)?memory[-_]reducer(=|$)/ },
];

/** The journal holding this much means its rows are not reaching Postgres: logged and alerted (db_exceptions). */
const JOURNAL_ALERT_BYTES = 16 * 1024 ** 2;
const JOURNAL_WATCH_MS = 10_000;

export interface PrimaryRun {
  /** What each worker is told to run when it asks (worker-start.ts). */
  start: WorkerStart;
  /** When it resolves with a code, the instance stops (with a drain) and exits with that code. */
  fatal?: Promise<number | undefined>;
  /** The spend journal's folder, replayed before the workers start and whenever one exits. */
  journal?: string;
}

export function runPrimary(opts: GatewayOptions, config: GatewayConfig, logger: Logger, { start, fatal, journal }: PrimaryRun): Promise<number> {
  const bundle = builtBundle();
  cluster.setupPrimary({ ...(bundle && { exec: bundle, args: [] }), execArgv: workerExecArgv() });
  process.env.GATEKIT_VIA ??= randomHex(8); // one mark for all the workers' provider calls (upstream.ts)
  startMetricsAggregator();
  relayCooldowns();
  keepSharedKeys();
  const spendHub = keepSharedSpend();
  const alerts = config.alerting ? startAlertDelivery(config.alerting, logger) : undefined;
  const replay = journal && config.database ? startReplay(journal, config.database.url, logger, spendHub, process.env.GATEKIT_SPEND_JOURNAL_SHARED === "1") : undefined;
  const watch = journal ? watchJournal(journal, logger, alerts?.journalGrowing) : undefined;
  // Budgets across instances: this instance's unwritten spend to Redis, the others' to the workers.
  const redis = config.redis && config.database ? new SharedRedis(config.redis, logger) : undefined;
  const stopSharing = redis ? shareAcrossInstances(spendHub, redis, instanceId(journal)) : undefined;
  const live = new Set<Worker>();
  const retiring = new Set<Worker>();
  const pending = new Map<string, (v: Message["value"]) => void>();
  let draining = false;
  let drainSent = false;
  let recentCrashes: number[] = [];

  const budget = () =>
    opts.maxRequestsBeforeRestart > 0 ? opts.maxRequestsBeforeRestart + Math.floor(Math.random() * (opts.maxRequestsBeforeRestartJitter + 1)) : 0;

  function fork(): Worker {
    const worker = cluster.fork({ GATEKIT_REQUEST_BUDGET: String(budget()) });
    worker.on("message", (m: Message) => {
      if (m?.type === MSG.start) worker.send({ type: MSG.start, start } satisfies Message);
      if (m?.type === MSG.retire) retire(worker);
      if (m?.type === MSG.readinessReply && m.id) pending.get(m.id)?.(m.value);
    });
    // A worker still starting when the drain began missed its message (it had no handler yet): it gets it now.
    worker.once("listening", () => (live.add(worker), drainSent && worker.send({ type: MSG.drain })));
    return worker;
  }

  /** The replacement listens before the old worker stops accepting: capacity never drops. */
  function retire(worker: Worker): void {
    if (draining || retiring.has(worker)) return;
    retiring.add(worker);
    fork().once("listening", () => {
      live.delete(worker);
      logger.info({ worker: worker.process.pid }, "worker reached its request budget; replaced");
      worker.send({ type: MSG.drain });
    });
  }

  cluster.on("exit", (worker, code, signal) => {
    live.delete(worker);
    replay?.adopt(worker);
    if (retiring.delete(worker) || draining) return;
    const now = Date.now();
    recentCrashes = [...recentCrashes.filter((t) => now - t < 60_000), now];
    const delay = Math.min(30_000, 100 * 2 ** Math.max(0, recentCrashes.length - 3));
    logger.error({ worker: worker.process.pid, code, signal, restartInMs: delay }, "worker exited unexpectedly; replacing it");
    setTimeout(() => draining || fork(), delay);
  });

  // After the journal's first replay write (bounded), so the first requests' budgets see the database's spend.
  void (replay?.ready ?? Promise.resolve()).then(() => {
    for (let i = 0; i < opts.numWorkers && !draining; i++) fork();
  });

  const health = opts.separateHealthApp
    ? startHealthApp(opts.healthPort, opts.host, {
        draining: () => draining,
        liveWorkers: () => live.size,
        numWorkers: opts.numWorkers,
        dependencies: () => askReadiness([...live][0]),
      })
    : undefined;

  function askReadiness(worker: Worker | undefined): Promise<Message["value"]> {
    if (!worker?.isConnected()) return Promise.resolve(undefined);
    const id = randomUUID();
    return new Promise((resolve) => {
      const timer = setTimeout(() => (pending.delete(id), resolve(undefined)), 2000);
      pending.set(id, (v) => (clearTimeout(timer), pending.delete(id), resolve(v)));
      worker.send({ type: MSG.readiness, id });
    });
  }

  return new Promise((resolve) => {
    const shutdown = (signal: string, code = 0) => {
      if (draining) return;
      // From here the health app answers 503; workers keep accepting for the drain delay, so a load balancer
      // moves traffic away before anything is refused.
      draining = true;
      logger.info({ signal, graceSeconds: opts.gracefulShutdownSeconds, drainDelaySeconds: opts.drainDelaySeconds }, "draining: finishing in-flight requests");
      setTimeout(() => {
        drainSent = true;
        for (const w of Object.values(cluster.workers ?? {})) w?.send({ type: MSG.drain });
      }, opts.drainDelaySeconds * 1000);
      const done = async () => {
        health?.close();
        clearInterval(watch);
        await replay?.close();
        stopSharing?.();
        redis?.close();
        await alerts?.close();
        logger.info("all workers finished; exiting");
        resolve(code);
      };
      const check = setInterval(() => {
        if (Object.keys(cluster.workers ?? {}).length === 0) clearInterval(check), void done();
      }, 50);
      setTimeout(() => {
        for (const w of Object.values(cluster.workers ?? {})) w?.kill("SIGKILL");
      }, (opts.drainDelaySeconds + opts.gracefulShutdownSeconds) * 1000 + 2000).unref();
    };
    process.on("SIGTERM", () => shutdown("SIGTERM"));
    process.on("SIGINT", () => shutdown("SIGINT"));
    void fatal?.then((code) => code !== undefined && shutdown("fatal", code));
  });
}

/**
 * Run from the compiled tree (dist/lib, `gatekit gateway`), the workers run the gateway bundle that the same
 * build made (dist/gateway/gateway.mjs): it starts in half the time of the tree's few hundred modules.
 */
function builtBundle(): string | undefined {
  const bundle = fileURLToPath(new URL("../../../gateway/gateway.mjs", import.meta.url));
  return import.meta.url.includes("/dist/lib/") && existsSync(bundle) ? bundle : undefined;
}

function workerExecArgv(): string[] {
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)];
  return [...process.execArgv, ...WORKER_FLAGS.filter((f) => !given.some((flag) => f.given.test(flag))).map((f) => f.flag)];
}

/** Every JOURNAL_WATCH_MS: a journal past JOURNAL_ALERT_BYTES is logged (once per episode) and alerted. */
function watchJournal(dir: string, logger: Logger, alert?: (bytes: number, segments: number) => void): NodeJS.Timeout {
  let growing = false;
  const timer = setInterval(() => {
    const { bytes, segments } = journalSize(dir);
    if (bytes > JOURNAL_ALERT_BYTES) {
      if (!growing) logger.error({ bytes, segments, dir }, "the spend journal keeps growing: its rows are not reaching the database");
      alert?.(bytes, segments);
    } else if (growing) logger.warn({ bytes }, "the spend journal is back under its alert size");
    growing = bytes > JOURNAL_ALERT_BYTES;
  }, JOURNAL_WATCH_MS);
  timer.unref();
  return timer;
}
