// Cooldowns: a deployment that fails more than `allowed_fails` times within a minute (or more than its error
// class allows under `allowed_fails_policy`) is skipped for `cooldown_time` seconds, then tried again.
// Workers of an instance share cooldowns: each one reports its own, and applies the others'.
import type { ErrorClass } from "../providers/types.ts";

const WINDOW_MS = 60_000;

export interface CooldownSettings {
  allowedFails: number;
  /** `<ErrorClass>AllowedFails` → failures of that class allowed per minute. */
  policy: Record<string, number>;
  cooldownMs: number;
}

export class Cooldowns {
  private readonly failures = new Map<string, { at: number; errorClass: ErrorClass }[]>();
  private readonly until = new Map<string, number>();

  constructor(
    private readonly settings: CooldownSettings,
    /** Called when this process puts a deployment in cooldown (to tell the other workers). */
    private readonly announce: (deploymentId: string, untilMs: number) => void = () => {},
    private readonly now: () => number = Date.now,
  ) {}

  isCoolingDown(deploymentId: string): boolean {
    const until = this.until.get(deploymentId);
    return until !== undefined && until > this.now();
  }

  /** When the deployment's cooldown ends, while it lasts. */
  coolingDownUntil(deploymentId: string): number | undefined {
    return this.isCoolingDown(deploymentId) ? this.until.get(deploymentId) : undefined;
  }

  /** Seconds until the first deployment of `ids` is available again. */
  secondsUntilAvailable(ids: string[]): number {
    const soonest = Math.min(...ids.map((id) => this.until.get(id) ?? 0));
    return Math.max(0, Math.ceil((soonest - this.now()) / 1000));
  }

  /** Records a failure; returns true when it puts the deployment in cooldown. */
  recordFailure(deploymentId: string, errorClass: ErrorClass): boolean {
    const now = this.now();
    const recent = (this.failures.get(deploymentId) ?? []).filter((f) => now - f.at < WINDOW_MS);
    recent.push({ at: now, errorClass });
    this.failures.set(deploymentId, recent);
    const perClass = this.settings.policy[`${errorClass.replace(/Error$/, "")}ErrorAllowedFails`] ?? this.settings.policy[`${errorClass}AllowedFails`];
    const exceeded = perClass !== undefined
      ? recent.filter((f) => f.errorClass === errorClass).length > perClass
      : recent.length > this.settings.allowedFails;
    if (!exceeded || this.isCoolingDown(deploymentId)) return false;
    const until = now + this.settings.cooldownMs;
    this.apply(deploymentId, until);
    this.announce(deploymentId, until);
    return true;
  }

  /** A cooldown decided here or by another worker. */
  apply(deploymentId: string, untilMs: number): void {
    this.until.set(deploymentId, Math.max(untilMs, this.until.get(deploymentId) ?? 0));
    this.failures.delete(deploymentId);
  }
}
