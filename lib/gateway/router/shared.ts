// Cooldowns shared by the workers of an instance: a worker announces a cooldown to the primary, which relays
// it to every other worker. (Across instances this goes through Redis once the gateway state lands.)
import cluster, { type Worker } from "node:cluster";

const ANNOUNCE = "gatekit:cooldown";
const APPLY = "gatekit:cooldown-apply";
interface CooldownMessage { type?: string; id?: string; until?: number }

export function announceCooldown(deploymentId: string, untilMs: number): void {
  if (cluster.isWorker && process.connected) process.send!({ type: ANNOUNCE, id: deploymentId, until: untilMs });
}

export function onPeerCooldown(apply: (deploymentId: string, untilMs: number) => void): void {
  process.on("message", (m: CooldownMessage) => {
    if (m?.type === APPLY && m.id && m.until) apply(m.id, m.until);
  });
}

/** In the primary: relay each worker's cooldowns to the others. */
export function relayCooldowns(): void {
  cluster.on("message", (from: Worker, m: CooldownMessage) => {
    if (m?.type !== ANNOUNCE) return;
    for (const w of Object.values(cluster.workers ?? {})) {
      if (w && w !== from && w.isConnected()) w.send({ type: APPLY, id: m.id, until: m.until });
    }
  });
}
