// The synthesized stacks: resources and key properties per shipped environment, secrets only as sensitive
// variables (a leak test over everything written), and refusal on rule errors.
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { synthesize } from "../../lib/infra/app.ts";
import { EnvironmentStack } from "../../lib/infra/stack.ts";
import { resolveEnvironment } from "../../lib/model/resolve.ts";
import { loadEnvironments } from "../../lib/spec/load.ts";
import { gatekit } from "../support/cli.ts";
import { shipped } from "../support/specs.ts";
import { TEST_VARS } from "../support/vars.ts";

type Json = Record<string, any>;

function synthStack(name: "dev" | "staging" | "prod"): Json {
  const app = Testing.app();
  const stack = new EnvironmentStack(app, resolveEnvironment(shipped(name)));
  return JSON.parse(Testing.synth(stack));
}

const envOf = (container: Json) => Object.fromEntries((container.env as string[]).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));

describe.each(["dev", "staging", "prod"] as const)("stack %s", (name) => {
  const json = synthStack(name);
  const spec = shipped(name).spec;
  const containers: Json = json.resource.docker_container;
  const config = (key: string) => containers[`${key}_config`].upload[0];

  it("pins the Docker provider exactly and keeps its own state", () => {
    expect(json.terraform.required_providers.docker).toEqual({ source: "kreuzwerker/docker", version: "3.6.2" });
    expect(json.terraform.backend.local.path).toBe(`terraform.${name}.tfstate`);
  });

  it("has Postgres, Redis and the gateway instances on public and internal networks", () => {
    expect(Object.keys(containers).sort()).toEqual(["gateway_1", "gateway_1_config", "postgres", "redis"]);
    const networks: Json = json.resource.docker_network;
    expect(networks.network_internal.internal).toBe(true);
    expect(networks.network_public.internal).toBe(false);
    // A host port is published from a network of Postgres' own (none is from an internal network).
    const own = spec.postgres.host_port ? [{ name: networks.network_postgres_host.name, aliases: [] }] : [];
    expect(containers.postgres.networks_advanced).toEqual([{ name: networks.network_internal.name, aliases: ["postgres"] }, ...own]);
    if (spec.postgres.host_port) expect(networks.network_postgres_host.internal).toBe(false);
    expect(containers.gateway_1.networks_advanced.map((n: Json) => n.name)).toEqual([networks.network_public.name, networks.network_internal.name]);
  });

  it("sizes Postgres from the spec, with its volume and a pg_isready healthcheck", () => {
    const pg = containers.postgres;
    expect(pg.command).toEqual(["postgres", "-c", `max_connections=${spec.postgres.max_connections}`]);
    expect(pg.volumes).toEqual([{ volume_name: spec.postgres.volume, container_path: "/var/lib/postgresql/data" }]);
    expect(pg.healthcheck.test.join(" ")).toContain("pg_isready");
    expect(envOf(pg).POSTGRES_PASSWORD).toBe("${var.postgres_password}");
    for (const p of pg.ports ?? []) expect(p.ip).toBe("127.0.0.1");
  });

  it("runs Redis with a password from a variable, maxmemory and a healthcheck", () => {
    const redis = containers.redis;
    expect(redis.command.join(" ")).toContain(`--maxmemory ${spec.redis!.maxmemory} --maxmemory-policy ${spec.redis!.maxmemory_policy}`);
    expect(redis.command.join(" ")).toContain('--requirepass "$REDIS_PASSWORD"');
    expect(envOf(redis).REDIS_PASSWORD).toBe("${var.redis_password}");
    expect(redis.healthcheck.test).toEqual(["CMD", "redis-cli", "ping"]);
  });

  it("configures the gateway with LiteLLM's env vars, proxy flags, config volume, probe and hardening", () => {
    const gw = containers.gateway_1;
    const env = envOf(gw);
    expect(env).toMatchObject({
      LITELLM_MODE: "PRODUCTION", LITELLM_LOG: "ERROR", SEPARATE_HEALTH_APP: "1", SEPARATE_HEALTH_PORT: String(spec.gateway.health_port),
      CONFIG_FILE_PATH: "/app/config/config.yaml", LITELLM_MASTER_KEY: "${var.litellm_master_key}", LITELLM_SALT_KEY: "${var.litellm_salt_key}",
      REDIS_HOST: "redis", REDIS_PORT: "6379", MAX_REQUESTS_BEFORE_RESTART: "10000",
    });
    expect(env.DATABASE_URL).toBe("postgresql://litellm:${urlencode(var.postgres_password)}@postgres:5432/litellm");
    expect(gw.command).toEqual(expect.arrayContaining(["--num_workers", String(spec.gateway.num_workers), "--max_requests_before_restart_jitter", "1000"]));
    expect(config("gateway_1").file).toBe("/app/config/config.yaml");
    expect(config("gateway_1").content).toContain("model_list");
    expect(gw.volumes).toEqual([
      { volume_name: `gatekit-${name}-spend-journal-1`, container_path: "/var/lib/gatekit/spend-journal" },
      { volume_name: "${docker_volume.volume_gateway_1_config.name}", container_path: "/app/config", read_only: true },
    ]);
    expect(gw.healthcheck).toMatchObject({ timeout: "10s", start_period: "40s" });
    expect(gw.healthcheck.test.join(" ")).toContain(`:${spec.gateway.health_port}/health/liveliness`);
    expect(gw).toMatchObject({ read_only: true, security_opts: ["no-new-privileges:true"], capabilities: { drop: ["ALL"] }, restart: "unless-stopped" });
    expect(gw.destroy_grace_seconds).toBe(spec.gateway.graceful_shutdown_timeout);
    expect(gw.depends_on).toEqual(expect.arrayContaining(["docker_container.postgres", "docker_container.redis"]));
    expect(gw.ports).toEqual([
      { internal: spec.gateway.port, external: spec.gateway.port, ip: "127.0.0.1" },
      { internal: spec.gateway.health_port, external: spec.gateway.health_port, ip: "127.0.0.1" },
    ]);
  });

  it("takes every secret as a sensitive variable and outputs the salt key's fingerprint, never the key", () => {
    for (const v of Object.values(json.variable as Record<string, Json>)) expect(v.sensitive).toBe(true);
    expect(Object.keys(json.variable)).toEqual(expect.arrayContaining(["litellm_master_key", "litellm_salt_key", "postgres_password", "redis_password"]));
    expect(json.output.salt_key_fingerprint.value).toBe("${nonsensitive(sha256(var.litellm_salt_key))}");
    expect(json.output.gateway_urls.value).toEqual([`http://127.0.0.1:${spec.gateway.port}`]);
  });
});

describe("synthesis", () => {
  it("writes every stack and no secret value anywhere under the output (leak test)", () => {
    const out = mkdtempSync(join(tmpdir(), "gatekit-synth-"));
    const leaky = { ...TEST_VARS, LITELLM_MASTER_KEY: "sk-leak-canary-master-key-000000000000", POSTGRES_PASSWORD: "leak-canary-pg-password" };
    Object.assign(process.env, leaky);
    synthesize(loadEnvironments(), { outdir: out, vars: leaky });
    const files = walk(out);
    expect(files.filter((f) => f.endsWith("cdk.tf.json")).length).toBe(4);
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      for (const secret of Object.values(leaky)) expect(text.includes(secret), `${secret} in ${file}`).toBe(false);
    }
  });

  it("a multi-instance environment puts a health-checking load balancer in front of one container per instance", () => {
    const env = shipped("prod");
    env.name = "prod-ha";
    env.spec.gateway.instances = 2;
    const app = Testing.app();
    const json = JSON.parse(Testing.synth(new EnvironmentStack(app, resolveEnvironment(env))));
    const containers = json.resource.docker_container;
    expect(Object.keys(containers).filter((k) => !k.endsWith("_config")).sort()).toEqual(["gateway_1", "gateway_2", "load_balancer", "postgres", "redis"]);
    // Only the balancer publishes the gateway's ports; it waits for both instances.
    expect(containers.gateway_1.ports).toEqual([]);
    expect(containers.load_balancer.ports.map((p: { external: number }) => p.external)).toEqual([env.spec.gateway.port, env.spec.gateway.health_port]);
    expect(containers.load_balancer.depends_on).toEqual(expect.arrayContaining(["docker_container.gateway_1", "docker_container.gateway_2"]));
    const cfg = containers.load_balancer_config.upload[0].content as string;
    expect(cfg).toContain(`server gateway-1 prod-ha-gateway-1:${env.spec.gateway.port} check port ${env.spec.gateway.health_port}`);
    expect(cfg).toContain(`server gateway-2 prod-ha-gateway-2:${env.spec.gateway.port}`);
    expect(cfg).toContain("option httpchk GET /health/liveliness");
    expect(cfg).toContain("option redispatch");
    // The gateway retries timeouts within one request: HAProxy waits for the worst case, 600 × (1 + 3) × (1 + 2) s, + 60 s.
    expect(cfg).toContain("timeout server 7260s");
    expect(cfg).toContain("timeout client 7260s");
    expect(json.output.gateway_urls.value).toEqual([`http://127.0.0.1:${env.spec.gateway.port}`]);
  });

  it("images: local runs gatekit's own tags and never builds or pulls in the provider", () => {
    const env = shipped("prod");
    env.spec.images = "local";
    env.spec.gateway.instances = 2;
    const json = JSON.parse(Testing.synth(new EnvironmentStack(Testing.app(), resolveEnvironment(env))));
    const images = Object.values(json.resource.docker_image) as { name: string; build?: unknown }[];
    expect(images.map((i) => i.name).sort()).toEqual(["gatekit/gateway:0.1.0", "gatekit/haproxy:2.6", "gatekit/postgres:16.14", "gatekit/redis:7.0"]);
    expect(images.every((i) => i.build === undefined)).toBe(true);
  });

  it("gatekit synth refuses on rule errors (exit 1) and writes nothing for that stack", async () => {
    const out = mkdtempSync(join(tmpdir(), "gatekit-refuse-"));
    const r = await gatekit(["synth", "test/fixtures/specs/prod-3x4.yaml", "--out", out], { env: TEST_VARS });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("DbConnectionBudget");
    expect(walk(out).filter((f) => f.endsWith("cdk.tf.json"))).toEqual([]);
  });

  it("npx cdktf synth writes cdktf.out/stacks/{dev,staging,prod,prod-k8s} through cdktf-cli", async () => {
    const { execa } = await import("execa");
    const out = mkdtempSync(join(tmpdir(), "gatekit-cdktf-"));
    const r = await execa("npx", ["cdktf", "synth", "--output", out], { env: { ...TEST_VARS, CI: "1" }, reject: false, timeout: 120_000 });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(readdirSync(join(out, "stacks")).sort()).toEqual(["dev", "prod", "prod-k8s", "staging"]);
  }, 150_000);
});

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}
