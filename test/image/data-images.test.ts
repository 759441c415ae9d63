// The local PostgreSQL 16 and Redis 7 images, built without a registry, keep the official images' contracts.
import { execa } from "execa";
import { Redis } from "ioredis";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImages, ImageBuildError, LOCAL_IMAGES } from "../../lib/images/build.ts";
import { REPO } from "../support/cli.ts";
import { waitFor } from "../support/gateway-process.ts";
import { freePort } from "../support/ports.ts";

const suffix = `${process.pid}`;
const names = { pg: `gatekit-pg-test-${suffix}`, redis: `gatekit-redis-test-${suffix}` };
const PASSWORD = "image-test-password-1";
let pgPort = 0;
let redisPort = 0;

beforeAll(async () => {
  const engine = await execa("bash", ["scripts/docker-engine.sh"], { cwd: REPO, reject: false });
  if (engine.exitCode !== 0) throw new Error(`no Docker engine: ${engine.stdout}${engine.stderr}`);
  await buildImages(["postgres", "redis"], { root: REPO });
  [pgPort, redisPort] = [await freePort(), await freePort()];
  await execa("docker", ["run", "-d", "--name", names.pg, "--cap-drop", "ALL", "--security-opt", "no-new-privileges:true", "-p", `127.0.0.1:${pgPort}:5432`,
    "-e", "POSTGRES_USER=litellm", "-e", `POSTGRES_PASSWORD=${PASSWORD}`, "-e", "POSTGRES_DB=litellm", LOCAL_IMAGES.postgres, "postgres", "-c", "max_connections=37"]);
  await execa("docker", ["run", "-d", "--name", names.redis, "--cap-drop", "ALL", "-p", `127.0.0.1:${redisPort}:6379`,
    LOCAL_IMAGES.redis, "redis-server", "--requirepass", PASSWORD, "--maxmemory", "64mb"]);
  await waitFor(async () => (await execa("docker", ["inspect", "-f", "{{.State.Health.Status}}", names.pg])).stdout.trim() === "healthy", 60_000);
}, 600_000);

afterAll(async () => {
  await execa("docker", ["rm", "-f", "-v", names.pg, names.redis], { reject: false });
});

describe("local PostgreSQL 16 image", () => {
  it("initializes with POSTGRES_USER/PASSWORD/DB, takes -c settings, and runs as non-root", async () => {
    const client = new pg.Client({ host: "127.0.0.1", port: pgPort, user: "litellm", password: PASSWORD, database: "litellm" });
    await client.connect();
    const { rows } = await client.query("select version(), current_setting('max_connections') as max, current_setting('password_encryption') as enc");
    await client.end();
    expect(rows[0].version).toMatch(/^PostgreSQL 16\./);
    expect(rows[0].max).toBe("37");
    expect(rows[0].enc).toBe("scram-sha-256");
    expect((await execa("docker", ["exec", names.pg, "id", "-u"])).stdout.trim()).toBe("999");
  });

  it("refuses a wrong password", async () => {
    const client = new pg.Client({ host: "127.0.0.1", port: pgPort, user: "litellm", password: "wrong", database: "litellm" });
    await expect(client.connect()).rejects.toThrow(/password authentication failed/);
  });
});

describe("local Redis 7 image", () => {
  it("serves with its password and maxmemory, as non-root", async () => {
    const redis = new Redis({ host: "127.0.0.1", port: redisPort, password: PASSWORD, lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    expect(await redis.ping()).toBe("PONG");
    expect((await redis.info("server")).match(/redis_version:(\d+)/)?.[1]).toBe("7");
    expect(await redis.config("GET", "maxmemory")).toEqual(["maxmemory", String(64 * 1024 * 1024)]);
    redis.disconnect();
    expect((await execa("docker", ["exec", names.redis, "id", "-u"])).stdout.trim()).toBe("999");
  });
});

describe("building", () => {
  const imageId = async (tag: string) => (await execa("docker", ["image", "inspect", "-f", "{{.Id}}", tag])).stdout.trim();

  it("a rebuild comes from the layer cache: the same image", async () => {
    const before = await imageId(LOCAL_IMAGES.redis);
    await buildImages(["redis"], { root: REPO });
    expect(await imageId(LOCAL_IMAGES.redis)).toBe(before);
  });

  it("a failed build names the image and the step, and tags nothing", async () => {
    const root = mkdtempSync(join(tmpdir(), "gatekit-broken-build-"));
    const tag = `gatekit/redis-broken:${suffix}`;
    try {
      mkdirSync(join(root, "templates"));
      symlinkSync(join(REPO, "scripts"), join(root, "scripts"));
      writeFileSync(join(root, "templates/redis.Dockerfile"), "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nRUN echo installing && exit 3\n");
      const failure = await buildImages({ redis: tag }, { root }).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(ImageBuildError);
      expect((failure as Error).message).toMatch(new RegExp(`^image ${tag}: docker build -f templates/redis.Dockerfile failed\n`));
      expect((failure as Error).message).toContain("exit 3");
      expect((await execa("docker", ["image", "inspect", tag], { reject: false })).exitCode).not.toBe(0);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
