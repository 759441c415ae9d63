// Slack alerts (LiteLLM's `alerting: ["slack"]` / `failure_callback: ["slack"]`): what the request path
// reports, in one small interface. Calls cost nothing when their alert type is off, and never block: an
// alert is a map update; delivery happens later, off the request path, in this process or in the primary.
import type { AlertingSettings, ResolvedDeployment } from "../config/load.ts";
import type { AlertType } from "../config/schema.ts";
import type { GatewayError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { VirtualKey } from "../state/keys.ts";
import { Alerter, type Deliver } from "./alerter.ts";
import { receiveFromWorkers, relayToPrimary } from "./relay.ts";
import { slackSender } from "./slack.ts";

export interface Alerts {
  /** `alerting_threshold` in seconds; a slower response alerts. */
  readonly slowSeconds: number;
  exception(model: string, d: ResolvedDeployment, error: GatewayError): void;
  slow(model: string, seconds: number): void;
  cooldown(d: ResolvedDeployment, errorClass: string): void;
  budget(key: VirtualKey): void;
  /** Shutdown: held alerts are handed over or posted (bounded), then nothing more is taken. */
  close(): Promise<void>;
}

/** Errors that are the caller's own mistake: an operator can't act on them. */
const CALLER_ERRORS = new Set(["BadRequestError", "UnprocessableEntityError", "ContextWindowExceededError", "ContentPolicyViolationError"]);
const MAX_PENDING = 100;
/** A worker hands its batches to the primary this often. */
const RELAY_FLUSH_MS = 1000;
/** How long shutdown waits for the last Slack post. */
const LAST_POST_MS = 3000;

/** The request path's alerts: posted from this process, or relayed to the primary from a cluster worker. */
export function createAlerts(settings: AlertingSettings, logger: Logger, via: "slack" | "primary"): Alerts {
  const sender = via === "slack" ? slackSender(settings.webhookUrl, logger) : undefined;
  const alerter = via === "slack"
    ? instanceAlerter(settings, sender!.deliver)
    : new Alerter({ flushMs: RELAY_FLUSH_MS, repeatMs: () => 0, maxPending: MAX_PENDING, deliver: relayToPrimary });
  const on = new Set<AlertType>(settings.types);
  const add = (kind: AlertType, subject: string, reason: string, detail: string) => alerter.add({ kind, subject, reason, detail, count: 1 });
  return {
    slowSeconds: on.has("llm_too_slow") ? settings.slowSeconds : Infinity,
    exception(model, d, error) {
      if (!on.has("llm_exceptions") || CALLER_ERRORS.has(error.errorClass)) return;
      add("llm_exceptions", `model ${model}`, error.errorClass, `${error.status} from deployment ${d.id} (${d.params.model}): ${error.message.slice(0, 300)}`);
    },
    slow(model, seconds) {
      add("llm_too_slow", `model ${model}`, "", `${seconds.toFixed(2)} s, over alerting_threshold ${settings.slowSeconds} s`);
    },
    cooldown(d, errorClass) {
      if (on.has("cooldown_deployment")) add("cooldown_deployment", `model ${d.modelName}`, errorClass, `deployment ${d.id} (${d.params.model}) is skipped for cooldown_time after repeated failures`);
    },
    budget(key) {
      if (on.has("budget_alerts")) add("budget_alerts", `key ${key.key_alias ?? key.key_name ?? "(unnamed)"}`, "", `spend ${key.spend.toFixed(4)} USD of max_budget ${key.max_budget} USD`);
    },
    async close() {
      // A draining worker hands what it holds to the primary (a send); a lone process posts it itself.
      await alerter.closeAfterFlush(LAST_POST_MS);
      sender?.close();
    },
  };
}

/** The primary's own alerts (db_exceptions), and its shutdown, which posts what the workers handed over while draining. */
export interface InstanceAlerts {
  /** The spend journal keeps growing: its rows are not reaching the database. */
  journalGrowing(bytes: number, segments: number): void;
  close(): Promise<void>;
}

/** In the cluster primary: the instance's one Slack sender, fed by every worker and by the primary itself. */
export function startAlertDelivery(settings: AlertingSettings, logger: Logger): InstanceAlerts {
  const sender = slackSender(settings.webhookUrl, logger);
  const alerter = instanceAlerter(settings, sender.deliver);
  receiveFromWorkers(alerter);
  return {
    journalGrowing(bytes, segments) {
      if (!settings.types.includes("db_exceptions")) return;
      const detail = `${(bytes / 1024 ** 2).toFixed(1)} MiB of spend rows in ${segments} journal segments are not in the database yet; is Postgres reachable?`;
      alerter.add({ kind: "db_exceptions", subject: "spend journal", reason: "growing", detail, count: 1 });
    },
    async close() {
      await alerter.closeAfterFlush(LAST_POST_MS);
      sender.close();
    },
  };
}

function instanceAlerter(settings: AlertingSettings, deliver: Deliver): Alerter {
  return new Alerter({
    flushMs: settings.flushMs, maxPending: MAX_PENDING, deliver,
    repeatMs: (kind) => (kind === "budget_alerts" ? settings.budgetRepeatMs : settings.repeatMs),
  });
}
