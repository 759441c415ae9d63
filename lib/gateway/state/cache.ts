// The response cache in Redis, with LiteLLM's semantics: the key is a hash of the model and the parameters
// that change the answer; per request `cache: {"no-cache", "no-store", "ttl", "s-maxage"}`. Redis by
// host/port/password with short timeouts and no offline queue: when it is down the cache is bypassed at once
// (never a hung request), logged once, and used again as soon as it is back.
import { createHash } from "node:crypto";
import { Redis } from "ioredis";
import type { Logger } from "../log.ts";

export interface CacheSettings { host: string; port: number; password?: string; namespace?: string; ttlSeconds: number }

/** Request fields that do not change the answer, left out of the key. */
const NOT_IN_KEY = new Set(["stream", "stream_options", "cache", "user", "metadata", "n_retries"]);

export interface CacheControl { noCache: boolean; noStore: boolean; ttlSeconds?: number; maxAgeSeconds?: number }

export function cacheControl(body: Record<string, unknown>): CacheControl {
  const c = (body.cache ?? {}) as Record<string, unknown>;
  return { noCache: c["no-cache"] === true, noStore: c["no-store"] === true, ttlSeconds: num(c.ttl), maxAgeSeconds: num(c["s-maxage"]) };
}
const num = (v: unknown) => (typeof v === "number" && v >= 0 ? v : undefined);

export class ResponseCache {
  private readonly redis: Redis;
  private down = false;

  constructor(private readonly settings: CacheSettings, private readonly logger: Logger) {
    this.redis = new Redis({
      host: settings.host, port: settings.port, password: settings.password,
      enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 1000, commandTimeout: 500,
      retryStrategy: (times) => Math.min(200 * times, 2000),
    });
    this.redis.on("error", (e: Error) => {
      if (!this.down) logger.error({ error: e.message }, "redis is unreachable: the cache is bypassed until it is back");
      this.down = true;
    });
    this.redis.on("ready", () => {
      if (this.down) logger.warn("redis is reachable again: the cache is back");
      this.down = false;
    });
  }

  get status(): string {
    return this.redis.status === "ready" ? "connected" : "disconnected";
  }

  key(endpoint: string, body: Record<string, unknown>): string {
    const material = Object.keys(body).filter((k) => !NOT_IN_KEY.has(k)).sort().map((k) => [k, body[k]]);
    return createHash("sha256").update(endpoint).update(JSON.stringify(material)).digest("hex");
  }

  async get(key: string, control: CacheControl): Promise<string | undefined> {
    if (control.noCache || this.redis.status !== "ready") return undefined;
    try {
      const raw = await this.redis.get(this.full(key));
      if (!raw) return undefined;
      const { at, body } = JSON.parse(raw) as { at: number; body: string };
      if (control.maxAgeSeconds !== undefined && Date.now() - at > control.maxAgeSeconds * 1000) return undefined;
      return body;
    } catch {
      return undefined;
    }
  }

  /** Off the hot path: the answer is already on its way to the client. */
  set(key: string, body: string, control: CacheControl): void {
    if (control.noStore || this.redis.status !== "ready") return;
    const ttl = Math.max(1, Math.round(control.ttlSeconds ?? this.settings.ttlSeconds));
    this.redis.set(this.full(key), JSON.stringify({ at: Date.now(), body }), "EX", ttl).catch(() => {});
  }

  close(): void {
    this.redis.disconnect();
  }

  private full(key: string): string {
    return this.settings.namespace ? `${this.settings.namespace}:${key}` : key;
  }
}
