// Rate limits: rpm, tpm and max_parallel_requests per virtual key, rpm and tpm per deployment. Counted in
// Redis in one-minute windows, so a limit holds across the workers and instances that share it; while Redis
// is down each worker counts its share of the limit (limit ÷ workers) so the instance still holds it.
import { GatewayError } from "../errors.ts";
import type { SharedRedis } from "./redis.ts";

export interface Limits { rpm?: number | null; tpm?: number | null; parallel?: number | null }

/** What a request holds after it was admitted: give it back when the request ends. */
export type Release = () => void;

const WINDOW_MS = 60_000;
const PARALLEL_TTL_S = 600; // a crashed worker's parallel slots free themselves

// KEYS: rpm counter, tpm counter, parallel counter. ARGV: rpm, tpm, parallel limits (0 = none), window ttl.
// Returns 0 when admitted, else 1 (rpm), 2 (tpm) or 3 (parallel) and the current count.
const ADMIT = `
local tpm = tonumber(redis.call('GET', KEYS[2]) or '0')
if ARGV[2] ~= '0' and tpm >= tonumber(ARGV[2]) then return {2, tpm} end
if ARGV[3] ~= '0' then
  local p = redis.call('INCR', KEYS[3])
  redis.call('EXPIRE', KEYS[3], ${PARALLEL_TTL_S})
  if p > tonumber(ARGV[3]) then redis.call('DECR', KEYS[3]) return {3, p - 1} end
end
local rpm = redis.call('INCR', KEYS[1])
if rpm == 1 then redis.call('EXPIRE', KEYS[1], ARGV[4]) end
if ARGV[1] ~= '0' and rpm > tonumber(ARGV[1]) then
  redis.call('DECR', KEYS[1])
  if ARGV[3] ~= '0' then redis.call('DECR', KEYS[3]) end
  return {1, rpm - 1}
end
return {0, rpm}`;

type Refusal = "rpm" | "tpm" | "parallel";
const REFUSALS: Record<number, Refusal> = { 1: "rpm", 2: "tpm", 3: "parallel" };

export class RateLimiter {
  private readonly local = new Map<string, { window: number; count: number }>();

  constructor(private readonly redis: SharedRedis | undefined, private readonly workers: number) {
    redis?.client.defineCommand("gatekitAdmit", { numberOfKeys: 3, lua: ADMIT });
  }

  /**
   * Counts one request against `limits` for `scope` (e.g. `key:<hash>`); returns undefined when admitted
   * (with a release for parallel slots), or the limit it crossed.
   */
  async admit(scope: string, limits: Limits): Promise<{ refused?: Refusal; current?: number; release: Release }> {
    const window = Math.floor(Date.now() / WINDOW_MS);
    const [rpm, tpm, parallel] = [limits.rpm ?? 0, limits.tpm ?? 0, limits.parallel ?? 0];
    if (this.redis?.ready) {
      const keys = this.keys(scope, window);
      try {
        const [code, current] = (await (this.redis.client as unknown as RedisAdmit).gatekitAdmit(keys.rpm, keys.tpm, keys.parallel, rpm, tpm, parallel, 120)) as [number, number];
        const release = parallel && !code ? () => void this.redis!.client.decr(keys.parallel).catch(() => {}) : noop;
        return { refused: REFUSALS[code], current, release };
      } catch {
        // Redis went away mid-request: count locally below.
      }
    }
    return this.admitLocally(scope, window, { rpm, tpm, parallel });
  }

  /** Tokens a finished request used, for the tpm windows of every scope it counted in. */
  addTokens(scopes: string[], tokens: number): void {
    if (!tokens) return;
    const window = Math.floor(Date.now() / WINDOW_MS);
    for (const scope of scopes) this.bump(`${scope}:tpm:${window}`, tokens);
    if (!this.redis?.ready) return;
    const pipeline = this.redis.client.pipeline();
    for (const scope of scopes) pipeline.incrby(this.keys(scope, window).tpm, tokens).expire(this.keys(scope, window).tpm, 120);
    pipeline.exec().catch(() => {});
  }

  private admitLocally(scope: string, window: number, limits: { rpm: number; tpm: number; parallel: number }) {
    const share = (limit: number) => Math.max(1, Math.floor(limit / this.workers));
    const count = (what: string) => this.local.get(`${scope}:${what}`)?.count ?? 0;
    const tpm = count(`tpm:${window}`);
    if (limits.tpm && tpm >= share(limits.tpm)) return { refused: "tpm" as const, current: tpm, release: noop };
    if (limits.parallel && count("parallel") >= share(limits.parallel)) return { refused: "parallel" as const, current: count("parallel"), release: noop };
    const rpm = count(`rpm:${window}`);
    if (limits.rpm && rpm >= share(limits.rpm)) return { refused: "rpm" as const, current: rpm, release: noop };
    this.bump(`${scope}:rpm:${window}`, 1);
    if (!limits.parallel) return { current: rpm + 1, release: noop };
    this.bump(`${scope}:parallel`, 1);
    return { current: rpm + 1, release: () => this.bump(`${scope}:parallel`, -1) };
  }

  /** Local counters; windowed ones are dropped once their minute has passed. */
  private bump(name: string, by: number): void {
    const now = Math.floor(Date.now() / WINDOW_MS);
    const entry = this.local.get(name) ?? { window: now, count: 0 };
    entry.count += by;
    this.local.set(name, entry);
    if (this.local.size > 10_000) for (const [k, v] of this.local) if (v.window < now && !k.endsWith(":parallel")) this.local.delete(k);
  }

  private keys(scope: string, window: number) {
    return { rpm: `gatekit:limit:${scope}:rpm:${window}`, tpm: `gatekit:limit:${scope}:tpm:${window}`, parallel: `gatekit:limit:${scope}:parallel` };
  }
}

type RedisAdmit = { gatekitAdmit(...args: (string | number)[]): Promise<unknown> };
const noop: Release = () => {};

/** LiteLLM's 429 for a key over its limits, with retry-after until the next window. */
export function keyLimitError(alias: string, refused: Refusal, current: number, limit: number): GatewayError {
  const wait = refused === "parallel" ? 1000 : WINDOW_MS - (Date.now() % WINDOW_MS);
  return new GatewayError(
    429, "RateLimitError",
    `LiteLLM Rate Limit Handler for rate limit type = key. Crossed TPM / RPM / Max Parallel Request Limit. key=${alias}, current ${refused}: ${current}, ${refused} limit: ${limit}`,
    null, wait,
  );
}

export function deploymentLimitError(model: string, count: number): GatewayError {
  const wait = WINDOW_MS - (Date.now() % WINDOW_MS);
  return new GatewayError(429, "RateLimitError", `No deployments available for model=${model}: all ${count} have reached their rpm/tpm limit for this minute. Try again in ${Math.ceil(wait / 1000)} s.`, null, wait);
}
