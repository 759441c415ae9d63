// Choosing a deployment of a model group, deciding whether a failure is worth another attempt, and which
// model group to fall back to. Strategies (LiteLLM's names):
//   simple-shuffle          weighted random by weight, else rpm, else tpm, else uniform
//   least-busy              fewest requests in flight (in this worker)
//   latency-based-routing   random among deployments within `lowest_latency_buffer` of the fastest recent latency
import { effectiveSettings, type GatewayConfig, type ResolvedDeployment } from "../config/load.ts";
import type { RetryPolicyKey } from "../config/schema.ts";
import { GatewayError } from "../errors.ts";
import type { ErrorClass } from "../providers/types.ts";
import { Cooldowns } from "./cooldowns.ts";

const RETRYABLE: ReadonlySet<ErrorClass> = new Set(["Timeout", "RateLimitError", "InternalServerError", "ServiceUnavailableError", "APIConnectionError"]);
/** The caller's own mistakes: another model would refuse them too. */
const NO_FALLBACK: ReadonlySet<ErrorClass> = new Set(["BadRequestError", "UnprocessableEntityError", "AuthenticationError"]);
export const IMPLEMENTED_STRATEGIES = ["simple-shuffle", "least-busy", "latency-based-routing"] as const;

type FallbackList = Record<string, string[]>[] | undefined;

export class Router {
  readonly cooldowns: Cooldowns;
  private readonly policy: Partial<Record<string, number>>;
  private readonly strategy: string;
  private readonly inFlight = new Map<ResolvedDeployment, number>();
  private readonly latency = new Map<ResolvedDeployment, { ms: number; at: number }>();
  private readonly lastError = new Map<ResolvedDeployment, { errorClass: ErrorClass; at: number }>();
  private readonly latencyTtlMs: number;
  private readonly latencyBuffer: number;

  constructor(private readonly config: GatewayConfig, announceCooldown?: (id: string, until: number) => void) {
    const rs = config.raw.router_settings;
    const s = routerSettings(config);
    this.policy = s.retryPolicy;
    this.strategy = s.strategy;
    this.latencyTtlMs = 1000 * (rs.routing_strategy_args?.ttl ?? 3600);
    this.latencyBuffer = rs.routing_strategy_args?.lowest_latency_buffer ?? 0;
    this.cooldowns = new Cooldowns({ allowedFails: s.allowedFails, policy: rs.allowed_fails_policy ?? {}, cooldownMs: 1000 * s.cooldownSeconds }, announceCooldown);
  }

  /**
   * A deployment of the group that is not cooling down, avoiding ones already tried while others remain.
   * Throws 429 when every deployment of the group is cooling down.
   */
  pick(model: string, group: ResolvedDeployment[], tried: ReadonlySet<ResolvedDeployment>): ResolvedDeployment {
    const available = group.filter((d) => !this.cooldowns.isCoolingDown(d.id));
    if (available.length === 0) {
      const wait = this.cooldowns.secondsUntilAvailable(group.map((d) => d.id));
      throw new GatewayError(429, "RateLimitError", `No deployments available for model=${model}: all ${group.length} are cooling down after failures. Try again in ${wait} s.`, null, wait * 1000);
    }
    const fresh = available.filter((d) => !tried.has(d));
    const pool = fresh.length ? fresh : available;
    if (pool.length === 1) return pool[0]!;
    if (this.strategy === "least-busy") return leastBusy(pool, this.inFlight);
    if (this.strategy === "latency-based-routing") return this.fastest(pool);
    return weighted(pool);
  }

  /** Brackets a call: in-flight counts (least-busy), latencies (latency-based), failures (cooldowns). */
  started(d: ResolvedDeployment): void {
    this.inFlight.set(d, (this.inFlight.get(d) ?? 0) + 1);
  }

  /** What the console shows of a deployment: cooldown, last error, last latency, calls in flight. */
  health(d: ResolvedDeployment): { cooldownUntil?: number; lastError?: { errorClass: ErrorClass; at: number }; latencyMs?: number; inFlight: number } {
    return { cooldownUntil: this.cooldowns.coolingDownUntil(d.id), lastError: this.lastError.get(d), latencyMs: this.latency.get(d)?.ms, inFlight: this.inFlight.get(d) ?? 0 };
  }

  /** Returns true when this failure put the deployment in cooldown. */
  finished(d: ResolvedDeployment, ms: number, error?: ErrorClass): boolean {
    this.inFlight.set(d, (this.inFlight.get(d) ?? 1) - 1);
    if (error) this.lastError.set(d, { errorClass: error, at: Date.now() });
    if (!error) {
      this.latency.set(d, { ms, at: Date.now() });
      return false;
    }
    // As in LiteLLM, the only deployment of a group is never cooled down: there is nothing to move to.
    if ((this.config.groups.get(d.modelName)?.length ?? 0) <= 1) return false;
    return this.cooldowns.recordFailure(d.id, error);
  }

  /** How many retries an error class gets: its retry_policy entry, else num_retries for transient errors. */
  retriesFor(errorClass: ErrorClass): number {
    const key = policyKey(errorClass);
    const specific = key ? this.policy[key] : undefined;
    if (specific !== undefined) return specific;
    return RETRYABLE.has(errorClass) ? this.config.numRetries : 0;
  }

  /** The model groups to try, in order, after `model` failed with `errorClass` (already capped by max_fallbacks). */
  fallbacksFor(model: string, errorClass: ErrorClass): string[] {
    const rs = this.config.raw.router_settings;
    const ls = this.config.raw.litellm_settings;
    const find = (list: FallbackList) => list?.find((entry) => model in entry)?.[model];
    let chain: string[] | undefined;
    if (errorClass === "ContextWindowExceededError") chain = find(rs.context_window_fallbacks ?? ls.context_window_fallbacks);
    else if (errorClass === "ContentPolicyViolationError") chain = find(rs.content_policy_fallbacks ?? ls.content_policy_fallbacks);
    else if (NO_FALLBACK.has(errorClass)) return [];
    chain ??= find(rs.fallbacks ?? ls.fallbacks) ?? rs.default_fallbacks ?? ls.default_fallbacks ?? [];
    return chain.filter((m) => m !== model).slice(0, rs.max_fallbacks ?? 5);
  }

  private fastest(pool: ResolvedDeployment[]): ResolvedDeployment {
    const now = Date.now();
    const known = pool.map((d) => ({ d, l: this.latency.get(d) })).filter((x) => x.l && now - x.l.at < this.latencyTtlMs);
    // Deployments without a recent measurement are tried first, so every one gets measured.
    const unmeasured = pool.filter((d) => !known.some((k) => k.d === d));
    if (unmeasured.length) return unmeasured[Math.floor(Math.random() * unmeasured.length)]!;
    const best = Math.min(...known.map((k) => k.l!.ms));
    const near = known.filter((k) => k.l!.ms <= best * (1 + this.latencyBuffer)).map((k) => k.d);
    return near[Math.floor(Math.random() * near.length)]!;
  }
}

/** The router's effective settings, LiteLLM's defaults filled in (router_settings win over litellm_settings). */
export function routerSettings(config: GatewayConfig) {
  const e = effectiveSettings(config.raw);
  return { strategy: e.routing_strategy, allowedFails: e.allowed_fails, cooldownSeconds: e.cooldown_time, numRetries: config.numRetries, retryPolicy: e.retry_policy };
}

function weighted(pool: ResolvedDeployment[]): ResolvedDeployment {
  let r = Math.random() * pool.reduce((sum, d) => sum + d.weight, 0);
  for (const d of pool) if ((r -= d.weight) < 0) return d;
  return pool[pool.length - 1]!;
}

function leastBusy(pool: ResolvedDeployment[], inFlight: Map<ResolvedDeployment, number>): ResolvedDeployment {
  const fewest = Math.min(...pool.map((d) => inFlight.get(d) ?? 0));
  const candidates = pool.filter((d) => (inFlight.get(d) ?? 0) === fewest);
  return candidates[Math.floor(Math.random() * candidates.length)]!;
}

function policyKey(c: ErrorClass): RetryPolicyKey | undefined {
  const map: Partial<Record<ErrorClass, RetryPolicyKey>> = {
    AuthenticationError: "AuthenticationErrorRetries", Timeout: "TimeoutErrorRetries", RateLimitError: "RateLimitErrorRetries",
    ContentPolicyViolationError: "ContentPolicyViolationErrorRetries", InternalServerError: "InternalServerErrorRetries",
    BadRequestError: "BadRequestErrorRetries",
  };
  return map[c];
}

/** Exponential backoff with full jitter, at least what the upstream's retry-after asked for. */
export function backoffMs(attempt: number, retryAfterMs?: number): number {
  const exp = Math.min(8000, 100 * 2 ** attempt);
  return Math.max(retryAfterMs ?? 0, Math.random() * exp);
}
