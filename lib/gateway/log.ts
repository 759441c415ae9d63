// JSON-lines logs at LiteLLM's LITELLM_LOG level. Request logs carry ids, models and timings, never prompts or keys.
import { pino, type Logger } from "pino";

export type { Logger } from "pino";

const LEVELS: Record<string, string> = { DEBUG: "debug", INFO: "info", WARNING: "warn", WARN: "warn", ERROR: "error", CRITICAL: "fatal" };

export function createLogger(level = "ERROR", bindings: object = {}): Logger {
  return pino({
    level: LEVELS[level.toUpperCase()] ?? "error",
    base: { service: "gatekit-gateway", pid: process.pid, ...bindings },
    // Defence in depth: should a key ever reach a log call, it is masked.
    redact: { paths: ["*.authorization", "*.api_key", "*.master_key", "*.password", "headers.authorization"], censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
