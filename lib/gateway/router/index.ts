// Choosing a deployment of a model group and deciding whether a failure is worth another attempt.
// simple-shuffle: weighted random by weight, else rpm, else tpm, else uniform (LiteLLM's order).
import type { GatewayConfig, ResolvedDeployment } from "../config/load.ts";
import type { RetryPolicyKey } from "../config/schema.ts";
import type { ErrorClass } from "../providers/types.ts";

const RETRYABLE: ReadonlySet<ErrorClass> = new Set(["Timeout", "RateLimitError", "InternalServerError", "ServiceUnavailableError", "APIConnectionError"]);

export class Router {
  private readonly policy: Partial<Record<string, number>>;

  constructor(private readonly config: GatewayConfig) {
    this.policy = config.raw.router_settings.retry_policy ?? {};
  }

  /** A deployment of the group, avoiding ones already tried while others remain. */
  pick(group: ResolvedDeployment[], tried: ReadonlySet<ResolvedDeployment>): ResolvedDeployment {
    if (group.length === 1) return group[0]!;
    const fresh = group.filter((d) => !tried.has(d));
    const pool = fresh.length ? fresh : group;
    let r = Math.random() * pool.reduce((sum, d) => sum + d.weight, 0);
    for (const d of pool) if ((r -= d.weight) < 0) return d;
    return pool[pool.length - 1]!;
  }

  /** How many retries an error class gets: its retry_policy entry, else num_retries for transient errors. */
  retriesFor(errorClass: ErrorClass): number {
    const key = policyKey(errorClass);
    const specific = key ? this.policy[key] : undefined;
    if (specific !== undefined) return specific;
    return RETRYABLE.has(errorClass) ? this.config.numRetries : 0;
  }
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
