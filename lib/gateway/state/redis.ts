// The one Redis connection a worker shares between the cache, the rate limits and the router's cooldowns.
// Short timeouts and no offline queue: when Redis is down every user of it falls back at once (never a hung
// request), the outage is logged once, and everything uses Redis again as soon as it is back.
import { Redis } from "ioredis";
import type { Logger } from "../log.ts";

export interface RedisSettings { host: string; port: number; password?: string }

export class SharedRedis {
  readonly client: Redis;
  private down = false;
  /** Why the last connection attempt failed (e.g. WRONGPASS), for `gatekit check`; never holds the password. */
  lastError?: string;
  private readonly onReady: (() => void)[] = [];
  private readonly subscribers: Redis[] = [];

  constructor(readonly settings: RedisSettings, logger: Logger) {
    this.client = connect(settings);
    this.client.on("error", (e: Error) => {
      this.lastError = e.message;
      if (!this.down) logger.error({ error: e.message }, "redis is unreachable: cache bypassed, rate limits local to this instance, until it is back");
      this.down = true;
    });
    this.client.on("ready", () => {
      if (this.down) logger.warn("redis is reachable again: cache, shared rate limits and cooldowns are back");
      this.down = false;
      this.lastError = undefined;
      for (const f of this.onReady) f();
    });
  }

  get ready(): boolean {
    return this.client.status === "ready";
  }

  get status(): string {
    return this.ready ? "connected" : "disconnected";
  }

  /** Runs on every (re)connection: for state that must be re-established, such as subscriptions. */
  whenReady(f: () => void): void {
    this.onReady.push(f);
    if (this.ready) f();
  }

  /** A second connection for SUBSCRIBE (a subscribed connection can send nothing else). */
  subscriber(): Redis {
    const s = connect(this.settings);
    this.subscribers.push(s);
    return s;
  }

  close(): void {
    for (const s of [this.client, ...this.subscribers]) s.disconnect();
  }
}

function connect(s: RedisSettings): Redis {
  const client = new Redis({
    host: s.host, port: s.port, password: s.password,
    enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 1000, commandTimeout: 500,
    retryStrategy: (times) => Math.min(200 * times, 2000),
  });
  client.on("error", () => {}); // reported once by SharedRedis; without a listener ioredis prints each retry
  return client;
}
