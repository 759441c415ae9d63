// A real redis-server for tests (Debian's package; npm test's provisioning installs it), on a free loopback port with a
// password; it can be stopped and started again on the same port (outage tests).
import { execa, type ResultPromise } from "execa";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { Redis } from "ioredis";
import { tail, waitFor } from "./gateway-process.ts";
import { freePort } from "./ports.ts";

export interface TestRedis {
  port: number;
  password: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  const password = "test-redis-password";
  const dir = mkdtempSync(`${tmpdir()}/gatekit-redis-`);
  let proc: ResultPromise | undefined;
  const start = async () => {
    const server = execa("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--requirepass", password, "--save", "", "--dir", dir], { reject: false, all: true });
    proc = server;
    const output = tail(server);
    const client = new Redis({ port, password, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    client.on("error", () => {}); // refused until the server listens
    try {
      await waitFor(async () => {
        if (client.status !== "ready") await client.connect().catch((e: Error) => (client.disconnect(), Promise.reject(e)));
        return (await client.ping()) === "PONG";
      }, 60_000, () => server.exitCode !== null, () => `redis-server on 127.0.0.1:${port} to answer PING\n${output()}`);
    } finally {
      client.disconnect();
    }
  };
  const stop = async () => {
    proc?.kill("SIGKILL");
    await proc;
  };
  await start();
  return { port, password, start, stop };
}
