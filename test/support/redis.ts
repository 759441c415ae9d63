// A real redis-server for tests (Debian's package; npm test's provisioning installs it), on a free loopback port with a
// password; it can be stopped and started again on the same port (outage tests).
import { execa, type ResultPromise } from "execa";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { Redis } from "ioredis";
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
    proc = execa("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--requirepass", password, "--save", "", "--dir", dir], { reject: false });
    const client = new Redis({ port, password, lazyConnect: true, retryStrategy: () => 100, maxRetriesPerRequest: null });
    client.on("error", () => {}); // refused until the server listens
    for (let i = 0; i < 50; i++) {
      try {
        await client.connect();
        if ((await client.ping()) === "PONG") break;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    client.disconnect();
  };
  const stop = async () => {
    proc?.kill("SIGKILL");
    await proc;
  };
  await start();
  return { port, password, start, stop };
}
