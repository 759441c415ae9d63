// `gatekit gateway`: parse LiteLLM's flags, load the config (refusing a bad one before listening), then run
// as the primary (supervisor + health app) or, in a forked process, as a worker.
import cluster from "node:cluster";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ConfigError, loadGatewayConfig, type GatewayConfig } from "./config/load.ts";
import { portHeld } from "./http/listener.ts";
import { createLogger, type Logger } from "./log.ts";
import { HELP, parseGatewayArgs, UsageError, type GatewayOptions } from "./options.ts";
import { runPrimary } from "./process/primary.ts";
import { VERSION } from "./version.ts";
import { checkSaltKey, SaltKeyMismatch } from "./state/credentials.ts";
import { createPool, migrate } from "./state/db.ts";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "./state/embedded.ts";
import { claimJournal, spendJournalDir } from "./state/journal.ts";

export interface RunExtras {
  /** A config given as an object (gatekit's --env), instead of a file. */
  config?: unknown;
  /** Where the inline config came from, for messages. */
  source?: string;
  /** Extra env files to fill missing variables from in DEV mode (after .env). */
  devEnvFiles?: string[];
  /** What the caller changed about the config (a local run's Redis), logged once at INFO. */
  notes?: string[];
}

/**
 * Runs the gateway; resolves with the exit code when it stops (after a drain, or at once on bad input). Reads
 * and fills process.env (DEV's env files, the embedded DATABASE_URL): the workers are forked with it.
 */
export async function runGateway(argv: string[], extras: RunExtras = {}): Promise<number> {
  const env = process.env;
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
  const load = () => loadGatewayConfig({ file: extras.config === undefined ? opts.config : extras.source, config: extras.config, env });
  let config;
  try {
    config = load();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    console.error(`gatekit gateway: the config is not valid:\n${e.issues.map((i) => `  ${i.file} ${i.path || "(file)"}: ${i.message}`).join("\n")}`);
    return 1;
  }
  // A worker runs until the primary tells it to drain; it exits by itself then.
  // The server's modules are loaded by the workers only: the primary starts (and forks them) sooner without.
  if (cluster.isWorker) return (await import("./process/worker.ts")).runWorker(opts, config, createLogger(opts.logLevel)), new Promise<number>(() => {});

  const busy = await portInUse(opts);
  if (busy) return console.error(`gatekit gateway: ${busy}`), 2;
  const early = config.database ? undefined : holdStopSignals(); // only the embedded database needs a clean close
  const embedded = config.database ? undefined : await embeddedDatabase(opts, config, env, lifecycle);
  if (embedded) config = load(); // now with DATABASE_URL, as the workers will see it
  // One summary, not a line per deployment, of the config the workers run (the embedded URL set): what it asks
  // for that this gateway does not do.
  if (config.warnings.length) lifecycle.warn({ settings: config.warnings }, `config: ${config.warnings.length} setting(s) not served as written (each in settings)`);
  for (const n of extras.notes ?? []) lifecycle.info(n);
  const runMigrations = !/^(1|true)$/i.test(env.DISABLE_SCHEMA_UPDATE ?? "");
  // A refusal from here on closes the embedded database first, as a stop does.
  const refuse = async () => (await embedded?.close(), 1);
  const ready = config.database ? await prepareDatabase(config, runMigrations, lifecycle) : "ok";
  if (ready === "salt-mismatch") return refuse();
  if (ready === "unreachable" && !config.database!.allowWhenDown) {
    console.error("gatekit gateway: the database is unreachable and allow_requests_on_db_unavailable is off; check DATABASE_URL");
    return refuse();
  }
  if (ready === "unreachable") lifecycle.warn("allow_requests_on_db_unavailable: serving; the migrations and the salt key check run once the database is reachable");
  const journal = config.database?.spendLogs ? spendJournal(opts, env, lifecycle) : undefined;
  if (journal === null) return refuse();
  if (!config.masterKey) lifecycle.warn("no master key (general_settings.master_key / LITELLM_MASTER_KEY): every request is allowed");
  const mocks = config.deployments.filter((d) => d.params.mock_response !== undefined).map((d) => d.modelName);
  lifecycle.info({
    api: `http://${opts.host}:${opts.port}`,
    health: opts.separateHealthApp ? `http://${opts.host}:${opts.healthPort}` : "on the api port",
    workers: opts.numWorkers, mode: opts.mode, config: config.file ?? extras.source,
    models: [...config.groups.keys()], mockModels: mocks, envFiles, cache: config.redis ? `redis ${config.redis.host}:${config.redis.port}` : "none",
    database: embedded ? `embedded PGlite in ${embedded.dataDir}` : config.database ? "postgres (DATABASE_URL)" : "none: no DATABASE_URL, virtual keys and spend logs are off",
    alerts: config.alerting ? config.alerting.types : "off",
    ...(config.database?.spendLogs ? { spendJournal: journal ?? "off: set GATEKIT_SPEND_JOURNAL_DIR to a folder on a volume; spend not yet written is lost on a crash" } : {}),
  }, `gatekit gateway ${VERSION} listening on http://${opts.host}:${opts.port}`);
  const retrying = new AbortController();
  const fatal = ready === "unreachable" ? prepareWhenReachable(config, runMigrations, lifecycle, retrying.signal) : undefined;
  const start = { argv, extras: { config: extras.config, source: extras.source } };
  const running = runPrimary(opts, config, lifecycle, { start, fatal, journal });
  early?.release();
  const code = await running;
  retrying.abort();
  await embedded?.close();
  return code;
}

/** Checked before anything starts, so a port held by another process is one plain line, not a crash. */
async function portInUse(opts: GatewayOptions): Promise<string | undefined> {
  const ports = [{ port: opts.port, what: "the API port; choose another with --port" }];
  if (opts.separateHealthApp) ports.push({ port: opts.healthPort, what: "the health app's port; choose another with SEPARATE_HEALTH_PORT" });
  for (const { port, what } of ports) {
    if (await portHeld(port, opts.host)) return `port ${port} is already in use on ${opts.host} (${what}, or stop what holds it)`;
  }
  return undefined;
}

/**
 * SIGTERM or SIGINT while the embedded database starts (and the migrations run on it) is kept for the
 * primary's own handlers instead of the default action, which would leave the database not closed cleanly.
 */
function holdStopSignals() {
  let received: NodeJS.Signals | undefined;
  const keep = (signal: NodeJS.Signals) => void (received ??= signal);
  process.on("SIGTERM", keep).on("SIGINT", keep);
  return {
    /** Once the primary handles them: a signal that came meanwhile goes to its handlers now. */
    release(): void {
      process.off("SIGTERM", keep).off("SIGINT", keep);
      if (received) process.emit(received, received);
    },
  };
}

/**
 * No DATABASE_URL: in DEV mode (or with GATEKIT_DATA_DIR set) the primary runs the embedded database, so
 * keys and spend work with zero set-up; its URL reaches the workers through DATABASE_URL.
 */
async function embeddedDatabase(opts: GatewayOptions, config: GatewayConfig, env: NodeJS.ProcessEnv, log: Logger): Promise<EmbeddedPostgres | undefined> {
  if (opts.mode === "PRODUCTION" && !env.GATEKIT_DATA_DIR) return undefined;
  const poolLimit = config.raw.general_settings.database_connection_pool_limit ?? 10;
  try {
    // + 2: the one connection a draining worker keeps while its replacement opens its pool, and the primary's.
    const embedded = await startEmbeddedPostgres(env.GATEKIT_DATA_DIR || join(".gatekit", "data"), poolLimit * opts.numWorkers + 2);
    env.DATABASE_URL = embedded.url; // the workers inherit it
    return embedded;
  } catch (e) {
    log.warn({ error: (e as Error).message }, "no embedded database: virtual keys and spend logs are off");
    return undefined;
  }
}

/**
 * The spend journal's folder, claimed for this instance and passed to the workers (GATEKIT_SPEND_JOURNAL_DIR);
 * undefined when off, null when it can't be used (another instance holds it, or it can't be created).
 */
function spendJournal(opts: GatewayOptions, env: NodeJS.ProcessEnv, log: Logger): string | undefined | null {
  const dir = spendJournalDir(opts.mode, env);
  if (!dir) return void delete env.GATEKIT_SPEND_JOURNAL_DIR;
  try {
    claimJournal(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    console.error(`gatekit gateway: ${code ? `the spend journal folder ${dir} can't be used (${code}); point GATEKIT_SPEND_JOURNAL_DIR at a writable folder on a volume, or set it to off` : (e as Error).message}`);
    return null;
  }
  env.GATEKIT_SPEND_JOURNAL_DIR = dir; // the workers inherit it
  return dir;
}

/**
 * Once, by the primary before any worker starts: the schema migrations (unless DISABLE_SCHEMA_UPDATE), then
 * the salt key check — a gateway must not serve with stored credentials it can't decrypt.
 */
async function prepareDatabase(config: GatewayConfig, runMigrations: boolean, log: Logger, quiet = false): Promise<"ok" | "unreachable" | "salt-mismatch"> {
  const db = config.database!;
  const pool = createPool(db.url, { max: 1, connectionTimeoutMs: Math.min(db.connectionTimeoutMs, 15_000) });
  try {
    if (runMigrations) {
      const applied = await migrate(pool);
      log.info({ applied }, applied.length ? "database migrations applied" : "database schema up to date");
    }
    await checkSaltKey(pool, config.saltKey, config.storeModelsInDb);
    return "ok";
  } catch (e) {
    if (e instanceof SaltKeyMismatch) {
      console.error(`gatekit gateway: ${e.message}`);
      return "salt-mismatch";
    }
    if (!quiet) log.error({ error: (e as Error).message }, "the database could not be prepared");
    return "unreachable";
  } finally {
    await pool.end().catch(() => {});
  }
}

/**
 * Started while the database was unreachable (allow_requests_on_db_unavailable): the migrations and the salt
 * key check are retried with backoff until they succeed. Resolves with 1 when the salt key does not match the
 * stored credentials — the gateway must stop, as it would at start — and with undefined otherwise.
 */
async function prepareWhenReachable(config: GatewayConfig, runMigrations: boolean, log: Logger, signal: AbortSignal): Promise<number | undefined> {
  for (let delay = 1000; ; delay = Math.min(delay * 2, 30_000)) {
    if (!(await sleep(delay, true, { signal }).catch(() => false))) return undefined; // the gateway stopped meanwhile
    const ready = await prepareDatabase(config, runMigrations, log, true);
    if (ready === "salt-mismatch") return 1;
    if (ready === "ok") return log.info("the database is reachable and prepared"), undefined;
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
