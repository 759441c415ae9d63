// Batching and de-duplication: alerts are collected for a flush interval and delivered as one batch; the same
// alert (kind, subject, reason) collapses into one entry with a count, and once delivered it waits out its
// repeat interval before it is delivered again. A provider outage therefore makes a few messages, not one per
// request. Everything held is bounded; a delivery in progress is never overlapped by the next one.
import { setTimeout as sleep } from "node:timers/promises";
import type { AlertType } from "../config/schema.ts";

export interface Alert {
  kind: AlertType;
  /** What the alert is about: a model group or a key's masked name. */
  subject: string;
  /** The error class, when there is one; part of the de-duplication key. */
  reason: string;
  /** The latest occurrence's particulars. */
  detail: string;
  count: number;
}

export type Deliver = (alerts: Alert[], dropped: number) => Promise<void> | void;

export interface AlerterOptions {
  flushMs: number;
  /** How long a delivered alert stays quiet before the same one is delivered again. */
  repeatMs: (kind: AlertType) => number;
  /** Distinct alerts held at once; beyond that they are only counted. */
  maxPending: number;
  deliver: Deliver;
  now?: () => number;
}

/** Quiet periods remembered at most; the oldest are forgotten first. */
const MAX_QUIET = 10_000;

export class Alerter {
  private readonly pending = new Map<string, Alert>();
  /** de-duplication key → time until which it is not delivered again. */
  private readonly quietUntil = new Map<string, number>();
  private dropped = 0;
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<void>;
  private closed = false;
  private readonly now: () => number;

  constructor(private readonly opts: AlerterOptions) {
    this.now = opts.now ?? Date.now;
  }

  add(alert: Alert): void {
    if (this.closed) return;
    const key = `${alert.kind}\0${alert.subject}\0${alert.reason}`;
    const held = this.pending.get(key);
    if (held) {
      held.count += alert.count;
      held.detail = alert.detail;
    } else if (this.pending.size < this.opts.maxPending) {
      this.pending.set(key, { ...alert });
    } else {
      this.dropped += alert.count;
    }
    this.schedule();
  }

  /** Alerts another process could not hold (relayed counts). */
  addDropped(count: number): void {
    if (this.closed || count <= 0) return;
    this.dropped += count;
    this.schedule();
  }

  /** Delivers what is due now; resolves when that delivery ends. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.inFlight) return this.schedule();
    const due = this.takeDue();
    const dropped = this.dropped;
    if (due.length || dropped) {
      this.dropped = 0;
      this.inFlight = this.deliver(due, dropped);
      await this.inFlight;
      this.inFlight = undefined;
    }
    if (this.pending.size || this.dropped) this.schedule();
  }

  /** Shutdown: what is due goes out in one last delivery, after any in progress, within `withinMs`. */
  async closeAfterFlush(withinMs: number): Promise<void> {
    const last = async () => {
      while (this.inFlight) await this.inFlight;
      await this.flush();
    };
    await Promise.race([last(), sleep(withinMs, undefined, { ref: false })]);
    this.close();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private async deliver(due: Alert[], dropped: number): Promise<void> {
    try {
      await this.opts.deliver(due, dropped);
    } catch {
      // A delivery reports its own failures; alerting must never throw into the gateway.
    }
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => void this.flush(), this.opts.flushMs);
    this.timer.unref();
  }

  private takeDue(): Alert[] {
    const now = this.now();
    for (const [key, until] of this.quietUntil) if (until <= now) this.quietUntil.delete(key);
    const due: Alert[] = [];
    for (const [key, alert] of this.pending) {
      if ((this.quietUntil.get(key) ?? 0) > now) continue;
      due.push(alert);
      this.pending.delete(key);
      const repeat = this.opts.repeatMs(alert.kind);
      if (repeat > 0) this.quietUntil.set(key, now + repeat);
    }
    while (this.quietUntil.size > MAX_QUIET) this.quietUntil.delete(this.quietUntil.keys().next().value!);
    return due;
  }
}
