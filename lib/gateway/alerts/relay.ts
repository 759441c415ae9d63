// Workers relay their (already batched) alerts to the primary, which holds the one Slack sender of the
// instance: the bound on posts and on posts in flight holds per instance, however many workers run.
import cluster, { type Worker } from "node:cluster";
import type { Alert, Alerter } from "./alerter.ts";

const RELAY = "gatekit:alerts";
interface AlertMessage { type?: string; alerts?: Alert[]; dropped?: number }

/** In a worker: a delivery that hands the batch to the primary. */
export function relayToPrimary(alerts: Alert[], dropped: number): void {
  // The callback swallows a send on a channel that is closing (the worker is exiting).
  if (cluster.isWorker && process.connected) process.send!({ type: RELAY, alerts, dropped } satisfies AlertMessage, undefined, {}, () => {});
}

/** In the primary: every worker's batches go into the instance's alerter. */
export function receiveFromWorkers(alerter: Alerter): void {
  cluster.on("message", (_worker: Worker, m: AlertMessage) => {
    if (m?.type !== RELAY) return;
    for (const alert of m.alerts ?? []) alerter.add(alert);
    alerter.addDropped(m.dropped ?? 0);
  });
}
