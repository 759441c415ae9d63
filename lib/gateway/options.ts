// `gatekit gateway` options: LiteLLM's proxy flags and environment variables, flags winning.
import { parseArgs } from "node:util";

export interface GatewayOptions {
  config?: string;
  host: string;
  port: number;
  numWorkers: number;
  /** Requests a worker serves before it is replaced; 0 = never. */
  maxRequestsBeforeRestart: number;
  maxRequestsBeforeRestartJitter: number;
  gracefulShutdownSeconds: number;
  /**
   * On SIGTERM, seconds to keep serving while the health app already answers 503, so a load balancer takes
   * the instance out before it stops accepting connections (GATEKIT_DRAIN_DELAY_SECONDS; 0 without one).
   */
  drainDelaySeconds: number;
  separateHealthApp: boolean;
  healthPort: number;
  mode: "PRODUCTION" | "DEV";
  logLevel: string;
  /** The admin console at /ui (GATEKIT_UI; on unless 0/false/no). */
  ui: boolean;
}

export const HELP = `usage: gatekit gateway [--config FILE] [--host 0.0.0.0] [--port 4000] [--num_workers N]
       [--max_requests_before_restart N] [--max_requests_before_restart_jitter N]
       [--graceful_shutdown_timeout SECONDS] [--env NAME] [--version]

The LiteLLM-compatible gateway. Environment: CONFIG_FILE_PATH, LITELLM_MASTER_KEY, SEPARATE_HEALTH_APP,
SEPARATE_HEALTH_PORT (4001), MAX_REQUESTS_BEFORE_RESTART, LITELLM_MODE (PRODUCTION never reads .env), LITELLM_LOG.
--env NAME runs the litellm section of environments/NAME.yaml (local runs; \`npm start\` = --env dev).`;

export class UsageError extends Error {}

export function parseGatewayArgs(argv: string[], env: NodeJS.ProcessEnv): GatewayOptions & { help?: boolean; version?: boolean; envName?: string } {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: "string", short: "c" }, host: { type: "string" }, port: { type: "string" },
        num_workers: { type: "string" }, max_requests_before_restart: { type: "string" },
        max_requests_before_restart_jitter: { type: "string" }, graceful_shutdown_timeout: { type: "string" },
        env: { type: "string" }, help: { type: "boolean", short: "h" }, version: { type: "boolean", short: "v" },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const int = (flag: string, value: string | undefined, fallback: number, min = 0) => {
    if (value === undefined || value === "") return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${flag} must be a whole number ≥ ${min}, got "${value}"`);
    return n;
  };
  const mode = (env.LITELLM_MODE ?? "DEV").toUpperCase();
  return {
    config: values.config ?? env.CONFIG_FILE_PATH,
    host: values.host ?? "0.0.0.0",
    port: int("port", values.port ?? env.PORT, 4000, 1),
    numWorkers: int("num_workers", values.num_workers ?? env.NUM_WORKERS, 1, 1),
    maxRequestsBeforeRestart: int("max_requests_before_restart", values.max_requests_before_restart ?? env.MAX_REQUESTS_BEFORE_RESTART, 0),
    maxRequestsBeforeRestartJitter: int("max_requests_before_restart_jitter", values.max_requests_before_restart_jitter ?? env.MAX_REQUESTS_BEFORE_RESTART_JITTER, 0),
    gracefulShutdownSeconds: int("graceful_shutdown_timeout", values.graceful_shutdown_timeout ?? env.GRACEFUL_SHUTDOWN_TIMEOUT, 3600),
    drainDelaySeconds: int("GATEKIT_DRAIN_DELAY_SECONDS", env.GATEKIT_DRAIN_DELAY_SECONDS, 0),
    separateHealthApp: /^(1|true|yes)$/i.test(env.SEPARATE_HEALTH_APP ?? ""),
    healthPort: int("SEPARATE_HEALTH_PORT", env.SEPARATE_HEALTH_PORT, 4001, 1),
    mode: mode === "PRODUCTION" ? "PRODUCTION" : "DEV",
    logLevel: env.LITELLM_LOG ?? "ERROR",
    ui: !/^(0|false|no)$/i.test(env.GATEKIT_UI ?? ""),
    help: values.help, version: values.version, envName: values.env,
  };
}
