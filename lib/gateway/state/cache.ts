// The response cache in Redis, with LiteLLM's semantics: the key is a hash of the model and the parameters
// that change the answer; per request `cache: {"no-cache", "no-store", "ttl", "s-maxage"}`. While Redis is
// down the cache is bypassed (see redis.ts).
import { createHash } from "node:crypto";
import type { SharedRedis } from "./redis.ts";

export interface CacheSettings { namespace?: string; ttlSeconds: number }

/** Request fields that do not change the answer, left out of the key. */
const NOT_IN_KEY = new Set(["stream", "stream_options", "cache", "user", "metadata", "n_retries"]);

export interface CacheControl { noCache: boolean; noStore: boolean; ttlSeconds?: number; maxAgeSeconds?: number }

export function cacheControl(body: Record<string, unknown>): CacheControl {
  const c = (body.cache ?? {}) as Record<string, unknown>;
  return { noCache: c["no-cache"] === true, noStore: c["no-store"] === true, ttlSeconds: num(c.ttl), maxAgeSeconds: num(c["s-maxage"]) };
}
const num = (v: unknown) => (typeof v === "number" && v >= 0 ? v : undefined);

export class ResponseCache {
  constructor(private readonly redis: SharedRedis, private readonly settings: CacheSettings) {}

  key(endpoint: string, body: Record<string, unknown>): string {
    const material = Object.keys(body).filter((k) => !NOT_IN_KEY.has(k)).sort().map((k) => [k, body[k]]);
    return createHash("sha256").update(endpoint).update(JSON.stringify(material)).digest("hex");
  }

  async get(key: string, control: CacheControl): Promise<string | undefined> {
    if (control.noCache || !this.redis.ready) return undefined;
    try {
      const raw = await this.redis.client.get(this.full(key));
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
    if (control.noStore || !this.redis.ready) return;
    const ttl = Math.max(1, Math.round(control.ttlSeconds ?? this.settings.ttlSeconds));
    this.redis.client.set(this.full(key), JSON.stringify({ at: Date.now(), body }), "EX", ttl).catch(() => {});
  }

  private full(key: string): string {
    return this.settings.namespace ? `${this.settings.namespace}:${key}` : key;
  }
}
