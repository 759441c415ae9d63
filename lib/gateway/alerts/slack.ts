// Delivery to a Slack incoming webhook: one POST per batch, with a timeout, never retried (the next batch
// carries on). Failures are logged once until a post succeeds again, by a short reason — never the URL,
// which is a secret (it is the credential), and never an error message that could quote it.
import { hostname } from "node:os";
import type { AlertType } from "../config/schema.ts";
import type { Logger } from "../log.ts";
import type { Alert, Deliver } from "./alerter.ts";

const TITLES: Record<AlertType, string> = {
  llm_exceptions: "LLM exception",
  llm_too_slow: "Slow response",
  budget_alerts: "Budget exceeded",
  cooldown_deployment: "Deployment in cooldown",
  db_exceptions: "Database problem",
};

export interface SlackSender {
  deliver: Deliver;
  /** Aborts a post in flight (shutdown). */
  close(): void;
}

export function slackSender(webhookUrl: string, logger: Logger, timeoutMs = 5000): SlackSender {
  const closing = new AbortController();
  let failing = false;
  async function deliver(alerts: Alert[], dropped: number): Promise<void> {
    try {
      const res = await fetch(webhookUrl, {
        method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: formatAlerts(alerts, dropped) }),
        signal: AbortSignal.any([closing.signal, AbortSignal.timeout(timeoutMs)]),
      });
      await res.body?.cancel().catch(() => {}); // only the status matters
      if (!res.ok) throw new WebhookRefused(res.status);
      if (failing) logger.warn("slack alerts are delivered again");
      failing = false;
    } catch (e) {
      if (!failing && !closing.signal.aborted) logger.error({ reason: reasonOf(e) }, "slack alerts could not be posted; further failures are not logged until one succeeds");
      failing = true;
    }
  }
  return { deliver, close: () => closing.abort() };
}

class WebhookRefused extends Error {
  constructor(readonly status: number) {
    super(`status ${status}`);
  }
}

/** A reason safe to log: a status, a timeout, or a socket error code. */
function reasonOf(e: unknown): string {
  if (e instanceof WebhookRefused) return `the webhook answered ${e.status}`;
  const err = e as { name?: string; cause?: { code?: string } };
  if (err.name === "TimeoutError") return "timed out";
  return err.cause?.code ?? err.name ?? "unknown";
}

/** Slack mrkdwn: one line per alert, counts for collapsed repeats. */
export function formatAlerts(alerts: Alert[], dropped: number): string {
  const lines = alerts.map((a) => `• *${TITLES[a.kind]}*${a.count > 1 ? ` ×${a.count}` : ""} — ${escape(a.subject)}${a.reason ? ` (${escape(a.reason)})` : ""}: ${escape(a.detail)}`);
  if (dropped) lines.push(`• ${dropped} more alert${dropped === 1 ? "" : "s"} not itemised (too many distinct alerts at once)`);
  return `gatekit gateway on ${escape(hostname())}:\n${lines.join("\n")}`;
}

const escape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
