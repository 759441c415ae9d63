// `gatekit check` and `gatekit probe` against real gateway processes (with a real Postgres and Redis): a
// gateway that matches its spec passes; one whose worker count, pool limit and Redis password drifted fails
// with the fix for each; LiteLLM's proxy is checked for what it exposes; probe names a dead deployment.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gatekit } from "../support/cli.ts";
import { startGatewayProcess, type GatewayProcess } from "../support/gateway-process.ts";
import { MASTER_KEY } from "../support/gateway.ts";
import { startMockOpenAI, type MockUpstream } from "../support/mock-openai.ts";
import { freePort } from "../support/ports.ts";
import { startPostgres, type TestPostgres } from "../support/postgres.ts";
import { startRedis, type TestRedis } from "../support/redis.ts";

let db: TestPostgres;
let redis: TestRedis;
let upstream: MockUpstream;
const dir = mkdtempSync(join(tmpdir(), "gatekit-check-"));
const gateways: GatewayProcess[] = [];

beforeAll(async () => {
  [db, redis, upstream] = await Promise.all([startPostgres(), startRedis(), startMockOpenAI()]);
}, 120_000);

afterAll(async () => {
  await Promise.all(gateways.map((g) => g.stop()));
  await upstream?.close();
  await Promise.all([db?.destroy(), redis?.stop()]);
});

const litellm = (poolLimit: number, deadPort?: number) => ({
  model_list: [
    { model_name: "chat", litellm_params: { model: "openai/gpt-4o-mini", api_base: upstream.url, api_key: "os.environ/OPENAI_API_KEY" } },
    ...(deadPort ? [{ model_name: "chat", litellm_params: { model: "openai/gpt-4o", api_base: `http://127.0.0.1:${deadPort}/v1`, api_key: "os.environ/OPENAI_API_KEY" }, model_info: { id: "dead-one" } }] : []),
  ],
  litellm_settings: { request_timeout: 120 },
  router_settings: { routing_strategy: "simple-shuffle", allowed_fails: 3, cooldown_time: 30, num_retries: 2, redis_host: "127.0.0.1", redis_port: redis.port, redis_password: "os.environ/REDIS_PASSWORD" },
  general_settings: { master_key: "os.environ/LITELLM_MASTER_KEY", database_url: "os.environ/DATABASE_URL", database_connection_pool_limit: poolLimit, allow_requests_on_db_unavailable: true },
});

/** The spec the running gateway is checked against: 2 workers, pool 4, the test Postgres (max_connections 60). */
function writeSpec(name: string, gw: GatewayProcess, gatewayExtra: Record<string, unknown> = {}): string {
  const healthPort = Number(new URL(gw.healthUrl).port);
  const spec = {
    host: { cpus: 2, memory: "4g" },
    gateway: { num_workers: 2, health_port: healthPort, port: Number(new URL(gw.url).port), ...gatewayExtra },
    postgres: { volume: "unused", password: "os.environ/POSTGRES_PASSWORD", max_connections: 60, reserved_connections: 10 },
    redis: { password: "os.environ/REDIS_PASSWORD" },
    secrets: { master_key: "os.environ/LITELLM_MASTER_KEY", salt_key: "os.environ/LITELLM_SALT_KEY" },
    litellm: litellm(4),
  };
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, stringify(spec));
  return file;
}

async function gateway(workers: number, poolLimit: number, redisPassword: string, deadPort?: number, env: Record<string, string> = {}): Promise<GatewayProcess> {
  const gw = await startGatewayProcess(litellm(poolLimit, deadPort), { workers, env: { DATABASE_URL: db.url, REDIS_PASSWORD: redisPassword, OPENAI_API_KEY: "sk-upstream-test", ...env } });
  gateways.push(gw);
  return gw;
}

const check = (file: string, gw: GatewayProcess, extra: string[] = []) =>
  gatekit(["check", file, "--url", gw.url, "--health-url", gw.healthUrl, "--json", ...extra], { env: { LITELLM_MASTER_KEY: MASTER_KEY } });
type Item = { name: string; status: string; detail: string; fix?: string };

describe("gatekit check", () => {
  it("passes on a gateway that runs what its spec says", async () => {
    const gw = await gateway(2, 4, redis.password);
    const r = await check(writeSpec("healthy", gw), gw);
    const out = JSON.parse(r.stdout) as { items: Item[] };
    expect(out.items.filter((i) => i.status !== "ok"), r.stdout).toEqual([]);
    expect(out.items.map((i) => i.name)).toEqual(expect.arrayContaining(["liveliness", "readiness", "/v1/models", "chat chat", "live workers", "database_connection_pool_limit", "postgres connections", "redis"]));
    expect(r.exitCode).toBe(0);
  }, 90_000);

  it("fails with the fix when the worker count, the pool limit and the Redis password differ from the spec", async () => {
    const gw = await gateway(1, 7, "not-the-redis-password");
    await new Promise((r) => setTimeout(r, 1500)); // the gateway has tried Redis
    const r = await check(writeSpec("drifted", gw), gw, ["--no-traffic"]);
    expect(r.exitCode).toBe(1);
    const items = new Map((JSON.parse(r.stdout) as { items: Item[] }).items.map((i) => [i.name, i]));
    expect(items.get("num_workers")).toMatchObject({ status: "fail", detail: "running 1, spec 2" });
    expect(items.get("num_workers")!.fix).toContain("gateway.num_workers");
    expect(items.get("live workers")!.status).toBe("fail");
    expect(items.get("database_connection_pool_limit")).toMatchObject({ status: "fail", detail: "running 7, spec 4" });
    expect(items.get("redis")!.status).toBe("fail");
    expect(items.get("redis")!.fix).toContain("Redis password is not the server's: set REDIS_PASSWORD");
    expect(r.stdout).not.toContain("not-the-redis-password");
    expect(items.get("chat chat")).toBeUndefined(); // --no-traffic
    const human = await gatekit(["check", join(dir, "drifted.yaml"), "--url", gw.url, "--health-url", gw.healthUrl, "--no-traffic"], { env: { LITELLM_MASTER_KEY: MASTER_KEY } });
    expect(human.stdout).toMatch(/✗ num_workers: running 1, spec 2\n {4}fix: /);
  }, 90_000);

  it("against LiteLLM's proxy, checks what it exposes and says what it can't", async () => {
    const litellmProxy = http.createServer((req, res) => {
      const json = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      if (req.url === "/health/liveliness") return json(200, "I'm alive!");
      if (req.url === "/health/readiness") return json(200, { status: "healthy", db: "connected", cache: null });
      if (req.url === "/v1/models") return json(200, { data: [{ id: "chat", object: "model" }], object: "list" });
      json(404, { detail: "Not Found" });
    });
    await new Promise<void>((r) => litellmProxy.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(litellmProxy.address() as AddressInfo).port}`;
    try {
      const r = await gatekit(["check", "--url", url, "--no-traffic", "--json"], { env: { LITELLM_MASTER_KEY: MASTER_KEY } });
      const items = (JSON.parse(r.stdout) as { items: Item[] }).items;
      expect(items.find((i) => i.name === "effective settings")).toMatchObject({ status: "unknown" });
      expect(items.find((i) => i.name === "effective settings")!.detail).toContain("not exposed by this proxy");
      expect(items.filter((i) => i.status === "fail")).toEqual([]);
      expect(r.exitCode).toBe(0);
    } finally {
      litellmProxy.close();
    }
  });
});

/** A server answering each path (query ignored) with (status, body as text) from `routes`, 404 otherwise; its URL. */
async function fakeServer(routes: Record<string, [number, string]>): Promise<{ url: string; close: () => void }> {
  const server = http.createServer((req, res) => {
    const [status, body] = routes[new URL(req.url ?? "/", "http://x").pathname] ?? [404, '{"detail":"Not Found"}'];
    res.writeHead(status, { "content-type": body.startsWith("<") ? "text/html" : "application/json" }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

const parseItems = (stdout: string) => new Map((JSON.parse(stdout) as { items: Item[] }).items.map((i) => [i.name, i]));
const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at .*\(|TypeError|node:internal/);

describe("gatekit check: what goes wrong on the way to the gateway", () => {
  it("a URL without a scheme is a usage error (exit 2), not four ✗", async () => {
    for (const cmd of ["check", "probe"]) {
      const r = await gatekit([cmd, "--url", "localhost:4910"], { env: { LITELLM_MASTER_KEY: MASTER_KEY } });
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain(`gatekit ${cmd}: --url must be an http:// or https:// URL, got "localhost:4910" (did you mean http://localhost:4910?)`);
      expect(r.stdout).not.toContain("✗");
    }
  });

  it("nothing listening: each item says it can't reach the URL and why, not to redeploy or set the key", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const r = await gatekit(["check", "--url", url, "--json"], { env: { LITELLM_MASTER_KEY: MASTER_KEY } });
    expect(r.exitCode).toBe(1);
    const items = parseItems(r.stdout);
    expect([...items.keys()]).toEqual(["liveliness", "readiness", "/v1/models"]); // nothing else is asked
    for (const item of items.values()) {
      expect(item.status).toBe("fail");
      expect(item.fix).toMatch(new RegExp(`^Can't reach ${url}/\\S+ \\(connect ECONNREFUSED`));
      expect(item.fix).not.toMatch(/redeploy|LITELLM_MASTER_KEY/);
    }
    const p = await gatekit(["probe", "--url", url], { env: { LITELLM_MASTER_KEY: MASTER_KEY } });
    expect(p.exitCode).toBe(1);
    expect(p.stderr).toContain(`gatekit probe: can't reach ${url}/gatekit/probe`);
    expect(p.stderr).toContain("ECONNREFUSED");
    expect(p.stderr).not.toContain("fetch failed");
  });

  it("a 200 that is not the gateway's settings is one ✗, the other items still checked", async () => {
    const fake = await fakeServer({
      "/health/liveliness": [200, '"I\'m alive!"'],
      "/health/readiness": [200, "<html>ok</html>"],
      "/v1/models": [200, JSON.stringify({ data: [{ id: "chat" }] })],
      "/gatekit/settings": [200, "<html>a login page</html>"],
    });
    try {
      const r = await gatekit(["check", "--url", fake.url, "--no-traffic", "--json"], { env: { LITELLM_MASTER_KEY: MASTER_KEY } });
      noStack(r.stderr);
      expect(r.exitCode).toBe(1);
      const items = parseItems(r.stdout);
      expect(items.get("liveliness")!.status).toBe("ok");
      expect(items.get("/v1/models")!.status).toBe("ok");
      expect(items.get("effective settings")).toMatchObject({ status: "fail", detail: expect.stringContaining("answered 200 but not with the gateway's settings") });
      expect(items.get("effective settings")!.fix).toContain("point --url at the gateway itself");
    } finally {
      fake.close();
    }
  });

  it("settings without the database and redis parts: those are ?, not a crash", async () => {
    const fake = await fakeServer({
      "/health/liveliness": [200, '"I\'m alive!"'],
      "/health/readiness": [200, JSON.stringify({ status: "healthy", live_workers: 2 })],
      "/v1/models": [200, JSON.stringify({ data: "not a list" })],
      "/gatekit/settings": [200, JSON.stringify({ num_workers: 2 })],
    });
    try {
      const gw = { url: fake.url, healthUrl: `http://127.0.0.1:${await freePort()}` } as GatewayProcess;
      const r = await gatekit(["check", writeSpec("partial", gw), "--url", fake.url, "--health-url", fake.url, "--no-traffic", "--json"], { env: { LITELLM_MASTER_KEY: MASTER_KEY } });
      noStack(r.stderr);
      const items = parseItems(r.stdout);
      expect(items.get("postgres connections")).toMatchObject({ status: "unknown" });
      expect(items.get("redis")).toMatchObject({ status: "unknown" });
      expect(items.get("/v1/models")).toMatchObject({ status: "fail", detail: "0 models; missing chat" });
      expect(items.get("live workers")).toMatchObject({ status: "ok" });
    } finally {
      fake.close();
    }
  });

  it("a wrong master key: every refused item says so, and no chat blames the provider", async () => {
    const fake = await fakeServer({
      "/health/liveliness": [200, '"I\'m alive!"'],
      "/health/readiness": [200, JSON.stringify({ status: "healthy" })],
      "/v1/models": [401, JSON.stringify({ error: { type: "auth_error", message: "Authentication Error, invalid api key." } })],
      "/v1/chat/completions": [401, JSON.stringify({ error: { type: "auth_error", message: "Authentication Error, invalid api key." } })],
      "/gatekit/settings": [401, JSON.stringify({ error: { type: "auth_error", message: "Authentication Error, invalid api key." } })],
      "/gatekit/probe": [401, JSON.stringify({ error: { type: "auth_error", message: "Authentication Error, invalid api key." } })],
    });
    try {
      const secret = "sk-wrong-key-0123456789";
      const r = await gatekit(["check", "--url", fake.url, "--json"], { env: { LITELLM_MASTER_KEY: secret } });
      expect(r.exitCode).toBe(1);
      const items = parseItems(r.stdout);
      expect(items.get("/v1/models")!.fix).toMatch(/^The master key was refused: LITELLM_MASTER_KEY/);
      expect(items.get("effective settings")!.fix).toMatch(/^The master key was refused/);
      expect(r.stdout).not.toContain("The provider behind");
      expect(r.stdout + r.stderr).not.toContain(secret);
      const p = await gatekit(["probe", "--url", fake.url], { env: { LITELLM_MASTER_KEY: secret } });
      expect(p.exitCode).toBe(1);
      expect(p.stderr).toContain("refused the master key (401): LITELLM_MASTER_KEY");
      expect(p.stdout + p.stderr).not.toContain(secret);
    } finally {
      fake.close();
    }
  });

  it("health through the API port: live workers are ? with the way to count them; LITELLM_MODE compared as parsed", async () => {
    // The process gets LITELLM_MODE in lower case; the gateway runs PRODUCTION, as the spec says.
    const gw = await gateway(2, 4, redis.password, undefined, { LITELLM_MODE: "production" });
    const file = writeSpec("api-health", gw, { mode: "PRODUCTION" });
    const r = await gatekit(["check", file, "--url", gw.url, "--no-traffic", "--json"], { env: { LITELLM_MASTER_KEY: MASTER_KEY } });
    const items = parseItems(r.stdout);
    expect(items.get("live workers")).toMatchObject({ status: "unknown", detail: expect.stringContaining("pass --health-url") });
    expect(items.get("LITELLM_MODE")).toMatchObject({ status: "ok", detail: "running PRODUCTION, spec PRODUCTION" });
    expect([...items.values()].filter((i) => i.status === "fail"), r.stdout).toEqual([]);
    expect(r.exitCode).toBe(0);
  }, 90_000);
});

describe("gatekit probe", () => {
  it("calls every deployment, not every model name, and reports a dead one with its error class", async () => {
    const gw = await gateway(1, 4, redis.password, await freePort());
    const r = await gatekit(["probe", "--url", gw.url, "--json"], { env: { LITELLM_MASTER_KEY: MASTER_KEY } });
    expect(r.exitCode).toBe(1);
    const rows = (JSON.parse(r.stdout) as { deployments: { model_name: string; model_id: string; ok: boolean; latency_ms: number; tokens: number | null; error_class: string | null }[] }).deployments;
    expect(rows).toHaveLength(2); // one model name, two deployments
    const dead = rows.find((d) => d.model_id === "dead-one")!;
    expect(dead).toMatchObject({ model_name: "chat", ok: false, error_class: "APIConnectionError" });
    const alive = rows.find((d) => d.model_id !== "dead-one")!;
    expect(alive).toMatchObject({ ok: true, tokens: 18 });
    expect(alive.latency_ms).toBeGreaterThanOrEqual(0);
    const table = await gatekit(["probe", "--url", gw.url], { env: { LITELLM_MASTER_KEY: MASTER_KEY } });
    expect(table.stdout).toContain("✗  chat");
    expect(table.stdout).toContain("1 of 2 deployments answered");
  }, 90_000);
});
