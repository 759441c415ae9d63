// The zero-set-up database: when no DATABASE_URL is given, the primary runs PGlite (PostgreSQL compiled to
// WASM) persisted under a data folder, and serves it over the Postgres wire protocol on a Unix socket inside
// that folder, so workers use the same pg pools as with a real server. PGlite is one connection; the socket
// server multiplexes the pools onto it (a transaction holds it until it ends).
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { createConnection } from "node:net";
import { join, resolve } from "node:path";

export interface EmbeddedPostgres {
  url: string;
  dataDir: string;
  close(): Promise<void>;
}

/** Loaded on demand: the image's bundle leaves PGlite out (deployments always have a real Postgres). */
export async function startEmbeddedPostgres(dataDir: string, maxConnections: number): Promise<EmbeddedPostgres> {
  let modules;
  try {
    modules = await Promise.all([import("@electric-sql/pglite"), import("@electric-sql/pglite-socket")]);
  } catch {
    throw new Error("the embedded database (PGlite) is not part of this build; set DATABASE_URL");
  }
  const [{ PGlite }, { PGLiteSocketServer }] = modules;
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // pg reaches a Unix socket as <host dir>/.s.PGSQL.<port>; such paths are limited to ~107 bytes.
  const socket = join(dir, ".s.PGSQL.5432");
  const useSocket = Buffer.byteLength(socket) < 100;
  if (useSocket) await claimSocket(socket, dir);
  const pgdata = join(dir, "pglite");
  if (!existsSync(join(pgdata, "PG_VERSION"))) await createDatabase(pgdata);
  // 16 MB of shared buffers instead of 128: a local run's database is small, and this keeps the primary lean.
  const db = await PGlite.create(pgdata, { startParams: [...PGlite.defaultStartParams, "-c", "shared_buffers=16MB"] });
  const server = new PGLiteSocketServer({ db, maxConnections, ...(useSocket ? { path: socket } : { host: "127.0.0.1", port: 0 }) });
  await server.start();
  const port = useSocket ? 5432 : ((server as unknown as { server: { address(): { port: number } } }).server.address().port);
  const url = useSocket ? `postgresql://postgres@/postgres?host=${encodeURIComponent(dir)}` : `postgresql://postgres@127.0.0.1:${port}/postgres`;
  return {
    url, dataDir: dir,
    close: async () => {
      await server.stop().catch(() => {});
      await db.close().catch(() => {});
    },
  };
}

/** npm ci's build made an empty data folder (scripts/build.ts): the first start copies it; else runs initdb. */
async function createDatabase(pgdata: string): Promise<void> {
  // dist/lib/gateway/state → dist/pglite-template; lib/gateway/state (run from the sources) → dist/pglite-template.
  const template = ["../../../pglite-template", "../../../dist/pglite-template"].map((p) => new URL(p, import.meta.url).pathname).find((p) => existsSync(join(p, "PG_VERSION")));
  if (!template) return initInChild(pgdata);
  rmSync(pgdata, { recursive: true, force: true });
  cpSync(template, pgdata, { recursive: true });
}

/**
 * Without a template, the first start creates the database (initdb) in a short-lived child process: initdb's
 * WASM instance and file bundle stay in a process's memory (several hundred MB) after it finishes, and the
 * primary runs for days.
 */
async function initInChild(dataDir: string): Promise<void> {
  const pglite = import.meta.resolve("@electric-sql/pglite");
  const script = `const { PGlite } = await import(${JSON.stringify(pglite)}); const db = await PGlite.create(${JSON.stringify(dataDir)}); await db.close();`;
  await new Promise<void>((done, fail) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.once("error", fail);
    child.once("exit", (code) => (code === 0 ? done() : fail(new Error(`creating the embedded database failed: ${err.trim().split("\n").at(-1) ?? `exit ${code}`}`))));
  });
}

/** One gateway per data folder: a live socket means another one runs here; a dead one is left from a crash. */
async function claimSocket(socket: string, dir: string): Promise<void> {
  if (!existsSync(socket)) return;
  const alive = await new Promise<boolean>((done) => {
    const probe = createConnection(socket, () => (probe.end(), done(true)));
    probe.on("error", () => done(false));
  });
  if (alive) throw new Error(`another gateway is using the data folder ${dir}; stop it, or set GATEKIT_DATA_DIR to another folder`);
  rmSync(socket, { force: true });
}
