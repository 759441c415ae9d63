// A real PostgreSQL server for tests: Debian's binaries (npm test's provisioning installs them), a fresh cluster in a temp
// folder on a free loopback port, run as the `postgres` user when the tests run as root. Can be stopped and
// started again (outage tests).
import { execa } from "execa";
import { chmodSync, chownSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { createPool, migrate } from "../../lib/gateway/state/db.ts";
import { freePort } from "./ports.ts";

export interface TestPostgres {
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
  /** One query on a connection of its own (tests read what the gateway wrote). */
  query(sql: string, params?: unknown[]): Promise<any[]>;
  /** The gateway's migrations, applied as its primary does at start; the versions applied. */
  migrate(): Promise<number[]>;
}

function binDir(): string {
  const versions = readdirSync("/usr/lib/postgresql").sort();
  if (!versions.length) throw new Error("PostgreSQL is not installed: apt-get install postgresql (npm test installs it as root, or lists it)");
  return `/usr/lib/postgresql/${versions.at(-1)}/bin`;
}

export async function startPostgres(): Promise<TestPostgres> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), "gatekit-pg-"));
  const data = join(dir, "data");
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]) => (asRoot ? execa("runuser", ["-u", "postgres", "--", join(bin, cmd), ...args]) : execa(join(bin, cmd), args));
  if (asRoot) {
    const { stdout } = await execa("id", ["-u", "postgres"]);
    const gid = Number((await execa("id", ["-g", "postgres"])).stdout);
    chownSync(dir, Number(stdout), gid);
  }
  chmodSync(dir, 0o700);
  const pw = join(dir, "pw");
  writeFileSync(pw, "test-pg-password");
  if (asRoot) chownSync(pw, Number((await execa("id", ["-u", "postgres"])).stdout), 0);
  await run("initdb", ["-D", data, "-U", "gatekit", `--pwfile=${pw}`, "--auth=scram-sha-256", "-E", "UTF8"]);
  const port = await freePort();
  const start = () => run("pg_ctl", ["-D", data, "-w", "-l", join(dir, "log"), "-o", `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=60`, "start"]).then(() => undefined);
  const stop = () => run("pg_ctl", ["-D", data, "-w", "-m", "fast", "stop"]).then(() => undefined);
  await start();
  const admin = new pg.Client({ host: "127.0.0.1", port, user: "gatekit", password: "test-pg-password", database: "postgres" });
  await admin.connect();
  await admin.query("CREATE DATABASE litellm");
  await admin.end();
  const url = `postgresql://gatekit:test-pg-password@127.0.0.1:${port}/litellm`;
  return {
    url, port, stop, start,
    destroy: () => stop().catch(() => undefined),
    async migrate() {
      const pool = createPool(url, { max: 1, connectionTimeoutMs: 5000 });
      try {
        return await migrate(pool);
      } finally {
        await pool.end();
      }
    },
    async query(sql, params = []) {
      const c = new pg.Client(url);
      await c.connect();
      try {
        return (await c.query(sql, params)).rows;
      } finally {
        await c.end();
      }
    },
  };
}
