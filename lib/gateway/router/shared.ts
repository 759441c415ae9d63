// Cooldowns shared beyond one worker. Within an instance a worker announces a cooldown to the primary, which
// relays it to every other worker; across instances it goes through Redis pub/sub, as the remaining time
// (not a clock reading), so instances with skewed clocks agree.
import cluster, { type Worker } from "node:cluster";
import { randomUUID } from "node:crypto";
import type { SharedRedis } from "../state/redis.ts";

const ANNOUNCE = "gatekit:cooldown";
const APPLY = "gatekit:cooldown-apply";
const CHANNEL = "gatekit:cooldowns";
interface CooldownMessage { type?: string; id?: string; until?: number }

export type Announce = (deploymentId: string, untilMs: number) => void;
type Apply = (deploymentId: string, untilMs: number) => void;

export function announceCooldown(deploymentId: string, untilMs: number): void {
  if (cluster.isWorker && process.connected) process.send!({ type: ANNOUNCE, id: deploymentId, until: untilMs });
}

export function onPeerCooldown(apply: Apply): void {
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

/** Cooldowns to and from the other instances sharing this Redis; returns the announcer. */
export function shareCooldownsViaRedis(redis: SharedRedis, apply: Apply): Announce {
  const me = randomUUID();
  const subscriber = redis.subscriber();
  subscriber.on("ready", () => void subscriber.subscribe(CHANNEL).catch(() => {}));
  subscriber.on("message", (_channel: string, text: string) => {
    try {
      const m = JSON.parse(text) as { from: string; id: string; ms: number };
      if (m.from !== me && typeof m.id === "string" && m.ms > 0) apply(m.id, Date.now() + m.ms);
    } catch {
      // Not ours: ignore.
    }
  });
  return (id, until) => {
    if (redis.ready) redis.client.publish(CHANNEL, JSON.stringify({ from: me, id, ms: until - Date.now() })).catch(() => {});
  };
}
