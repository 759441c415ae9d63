// Rate limits: rpm, tpm and max_parallel_requests per virtual key, rpm and tpm per deployment. Counted in
// Redis in one-minute windows, so a limit holds across the workers and instances that share it; while Redis
// is down each worker counts its share of the limit (limit ÷ workers) so the instance still holds it.
//
// rpm is taken from Redis in leases rather than one request at a time: a worker asks for a few requests'
// worth and admits locally until they are used. The lease doubles while it lasts under 50 ms and halves when
// it lasts over 500 ms, capped at 1% of the limit: a small or slow limit is counted request by request (exact),
// a busy one costs a Redis round trip every few hundred requests. A lease never exceeds the limit; what a
// worker leased and did not use by the end of the minute is the error, and it can only refuse early.
import { randomUUID } from "node:crypto";
import { GatewayError } from "../errors.ts";
import type { SharedRedis } from "./redis.ts";

export interface Limits { rpm?: number | null; tpm?: number | null; parallel?: number | null }

/** What a request holds after it was admitted: give it back when the request ends. */
export type Release = () => void;

const WINDOW_MS = 60_000;
/** A parallel slot never given back (a crashed worker, a release lost while Redis was unreachable) frees
 *  itself this long after it was taken. */
const PARALLEL_HOLD_MS = 600_000;
const TPM_FRESH_MS = 1000; // a lease's view of the tpm counter is re-read at least this often

// KEYS: rpm counter, tpm counter, parallel slots (a sorted set: slot id → expiry, Redis time in ms). ARGV: rpm,
// tpm, parallel limits (0 = none), window ttl, requests wanted, slot id, slot hold ms. Returns {0, tpm, granted}
// when admitted, else {1 (rpm) | 2 (tpm) | 3 (parallel), current, 0}.
const ADMIT = `
local tpm = tonumber(redis.call('GET', KEYS[2]) or '0')
if ARGV[2] ~= '0' and tpm >= tonumber(ARGV[2]) then return {2, tpm, 0} end
if ARGV[3] ~= '0' then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
  local p = redis.call('ZCARD', KEYS[3])
  if p >= tonumber(ARGV[3]) then return {3, p, 0} end
  redis.call('ZADD', KEYS[3], now + tonumber(ARGV[7]), ARGV[6])
  redis.call('PEXPIRE', KEYS[3], ARGV[7])
end
local want = tonumber(ARGV[5])
local rpm = redis.call('INCRBY', KEYS[1], want)
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[4]) end
local granted = want
if ARGV[1] ~= '0' then
  local before = rpm - want
  if before >= tonumber(ARGV[1]) then
    redis.call('DECRBY', KEYS[1], want)
    if ARGV[3] ~= '0' then redis.call('ZREM', KEYS[3], ARGV[6]) end
    return {1, before, 0}
  end
  granted = math.min(want, tonumber(ARGV[1]) - before)
  if granted < want then redis.call('DECRBY', KEYS[1], want - granted) end
end
return {0, tpm, granted}`;

type Refusal = "rpm" | "tpm" | "parallel";
const REFUSALS: Record<number, Refusal> = { 1: "rpm", 2: "tpm", 3: "parallel" };

export interface Admission { refused?: Refusal; current?: number; release: Release }

/** Requests this worker may still admit in `window` without asking Redis. */
interface Lease { window: number; left: number; size: number; at: number; tpm: number }

export class RateLimiter {
  private readonly local = new Map<string, { window: number; count: number }>();
  private readonly leases = new Map<string, Lease>();
  private readonly leasing = new Map<string, Promise<Admission>>();

  constructor(private readonly redis: SharedRedis | undefined, private readonly workers: number) {
    redis?.client.defineCommand("gatekitAdmit", { numberOfKeys: 3, lua: ADMIT });
  }

  /** Counts one request against `limits` for `scope` (e.g. `key:<hash>`): admitted, or the limit it crossed. */
  async admit(scope: string, limits: Limits): Promise<Admission> {
    const window = Math.floor(Date.now() / WINDOW_MS);
    const [rpm, tpm, parallel] = [limits.rpm ?? 0, limits.tpm ?? 0, limits.parallel ?? 0];
    if (!this.redis?.ready) return this.admitLocally(scope, window, { rpm, tpm, parallel });
    if (parallel) return this.fromRedis(scope, window, { rpm, tpm, parallel }, 1);
    for (;;) {
      const lease = this.leases.get(scope);
      if (lease && lease.window === window && lease.left > 0 && (!tpm || (lease.tpm < tpm && Date.now() - lease.at < TPM_FRESH_MS))) {
        lease.left--;
        return { release: noop };
      }
      // One lease request per scope at a time; the others wait for it and look again.
      const pending = this.leasing.get(scope);
      if (pending) {
        const result = await pending;
        if (result.refused) return result;
        continue;
      }
      const request = this.fromRedis(scope, window, { rpm, tpm, parallel }, nextSize(lease, window, rpm));
      this.leasing.set(scope, request);
      try {
        return await request;
      } finally {
        this.leasing.delete(scope);
      }
    }
  }

  private async fromRedis(scope: string, window: number, limits: { rpm: number; tpm: number; parallel: number }, size: number): Promise<Admission> {
    const keys = this.keys(scope, window);
    try {
      const slot = limits.parallel ? randomUUID() : "";
      const [code, current, granted] = (await (this.redis!.client as unknown as RedisAdmit).gatekitAdmit(keys.rpm, keys.tpm, keys.parallel, limits.rpm, limits.tpm, limits.parallel, 120, size, slot, PARALLEL_HOLD_MS)) as [number, number, number];
      if (code) return { refused: REFUSALS[code], current, release: noop };
      if (!limits.parallel) this.leases.set(scope, { window, left: granted - 1, size, at: Date.now(), tpm: current });
      return { release: limits.parallel ? () => void this.redis!.client.zrem(keys.parallel, slot).catch(() => {}) : noop };
    } catch {
      return this.admitLocally(scope, window, limits); // Redis went away mid-request
    }
  }

  /** Tokens a finished request used, for the tpm windows of every scope it counted in. */
  addTokens(scopes: string[], tokens: number): void {
    if (!tokens) return;
    const window = Math.floor(Date.now() / WINDOW_MS);
    for (const scope of scopes) {
      this.bump(`${scope}:tpm:${window}`, tokens);
      const lease = this.leases.get(scope);
      if (lease) lease.tpm += tokens;
    }
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
    return { rpm: `gatekit:limit:${scope}:rpm:${window}`, tpm: `gatekit:limit:${scope}:tpm:${window}`, parallel: `gatekit:limit:${scope}:slots` };
  }
}

/** The next lease: grown while leases are used up fast, shrunk when slow, at most 1% of the limit. */
function nextSize(last: Lease | undefined, window: number, rpm: number): number {
  const cap = rpm ? Math.max(1, Math.floor(rpm / 100)) : 1000;
  if (!last) return 1;
  const lasted = Date.now() - last.at;
  const size = last.window !== window ? last.size : lasted < 50 ? last.size * 2 : lasted > 500 ? Math.floor(last.size / 2) : last.size;
  return Math.min(cap, Math.max(1, size));
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
