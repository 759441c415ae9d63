// `gatekit gateway`: parse LiteLLM's flags, load the config (refusing a bad one before listening), then run
// as the primary (supervisor + health app) or, in a forked process, as a worker.
import cluster from "node:cluster";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, loadGatewayConfig } from "./config/load.ts";
import { createLogger } from "./log.ts";
import { HELP, parseGatewayArgs, UsageError } from "./options.ts";
import { runPrimary } from "./process/primary.ts";
import { runWorker } from "./process/worker.ts";
import { VERSION } from "./server.ts";
import { createPool, migrate } from "./state/db.ts";

export interface RunExtras {
  /** A config given as an object (gatekit's --env), instead of a file. */
  config?: unknown;
  /** Where the inline config came from, for messages. */
  source?: string;
  /** Extra env files to fill missing variables from in DEV mode (after .env). */
  devEnvFiles?: string[];
}

/** Runs the gateway; resolves with the exit code when it stops (after a drain, or at once on bad input). */
export async function runGateway(argv: string[], env: NodeJS.ProcessEnv = process.env, extras: RunExtras = {}): Promise<number> {
  let opts;
  try {
    opts = parseGatewayArgs(argv, env);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`gatekit gateway: ${e.message}\n\n${HELP}`);
    return 2;
  }
  if (opts.help) return console.log(HELP), 0;
  if (opts.version) return console.log(VERSION), 0;
  const lifecycle = createLogger("INFO", { role: cluster.isPrimary ? "primary" : "worker" });
  const envFiles = opts.mode === "PRODUCTION" ? [] : loadEnvFiles([".env", ...(extras.devEnvFiles ?? [])]);
  if (!opts.config && extras.config === undefined) {
    console.error("gatekit gateway: no config: pass --config FILE (or set CONFIG_FILE_PATH), or --env NAME");
    return 2;
  }
  let config;
  try {
    config = loadGatewayConfig({ file: extras.config === undefined ? opts.config : extras.source, config: extras.config, env: process.env });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    console.error(`gatekit gateway: the config is not valid:\n${e.issues.map((i) => `  ${i.file} ${i.path || "(file)"}: ${i.message}`).join("\n")}`);
    return 1;
  }
  const logger = createLogger(opts.logLevel);
  // A worker runs until the primary tells it to drain; it exits by itself then.
  if (cluster.isWorker) return runWorker(opts, config, logger), new Promise<number>(() => {});

  for (const w of config.warnings) lifecycle.warn(w);
  if (config.database && !/^(1|true)$/i.test(env.DISABLE_SCHEMA_UPDATE ?? "")) {
    const ok = await migrateOnce(config.database, lifecycle);
    if (!ok && !config.database.allowWhenDown) {
      console.error("gatekit gateway: the database is unreachable and allow_requests_on_db_unavailable is off; check DATABASE_URL");
      return 1;
    }
  }
  if (!config.masterKey) lifecycle.warn("no master key (general_settings.master_key / LITELLM_MASTER_KEY): every request is allowed");
  const mocks = config.deployments.filter((d) => d.params.mock_response !== undefined).map((d) => d.modelName);
  lifecycle.info({
    api: `http://${opts.host}:${opts.port}`,
    health: opts.separateHealthApp ? `http://${opts.host}:${opts.healthPort}` : "on the api port",
    workers: opts.numWorkers, mode: opts.mode, config: config.file ?? extras.source,
    models: [...config.groups.keys()], mockModels: mocks, envFiles, database: config.database ? "postgres (DATABASE_URL)" : "none: no DATABASE_URL, virtual keys and spend logs are off", cache: config.cache ? "redis" : "off",
    alerts: config.alerting ? config.alerting.types : "off",
  }, `gatekit gateway ${VERSION} listening on http://${opts.host}:${opts.port}`);
  return runPrimary(opts, config, lifecycle);
}

/** Schema migrations, once, by the primary before any worker starts; false when the database can't be reached. */
async function migrateOnce(db: NonNullable<Awaited<ReturnType<typeof loadGatewayConfig>>["database"]>, log: ReturnType<typeof createLogger>): Promise<boolean> {
  const pool = createPool(db.url, { max: 1, connectionTimeoutMs: Math.min(db.connectionTimeoutMs, 15_000) });
  try {
    const applied = await migrate(pool);
    log.info({ applied }, applied.length ? "database migrations applied" : "database schema up to date");
    return true;
  } catch (e) {
    log.error({ error: (e as Error).message }, "database migrations could not run");
    return false;
  } finally {
    await pool.end().catch(() => {});
  }
}

/** DEV mode only: variables from env files, never overriding ones already set; returns the files read. */
function loadEnvFiles(files: string[]): string[] {
  const read: string[] = [];
  for (const file of files) {
    const path = join(process.cwd(), file);
    if (!existsSync(path)) continue;
    process.loadEnvFile(path);
    read.push(file);
  }
  return read;
}
