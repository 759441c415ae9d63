// The environment spec: one YAML file per environment (environments/<name>.yaml). Every object is strict so
// that a typo is an error naming the path; secrets appear only as `os.environ/NAME` references.
import { z } from "zod";
import { envRef, litellmConfig } from "../gateway/config/schema.ts";

const port = z.number().int().min(1).max(65535);
const seconds = z.number().int().positive();
/** Docker-style byte sizes: `512m`, `8g`, `1024k`, or a number of bytes. */
export const byteSize = z
  .union([z.number().int().positive(), z.string().regex(/^\d+(\.\d+)?[kmgKMG]?[bB]?$/, "a size such as 512m or 8g")])
  .transform(parseBytes);

export function parseBytes(v: string | number): number {
  if (typeof v === "number") return v;
  const m = /^(\d+(?:\.\d+)?)([kmg]?)b?$/i.exec(v)!;
  const unit = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as "" | "k" | "m" | "g"];
  return Math.round(Number(m[1]) * unit);
}

const healthcheck = z.strictObject({
  interval: seconds.default(30),
  timeout: seconds.default(10),
  start_period: seconds.default(40),
  retries: z.number().int().positive().default(3),
});

/** Where an image comes from: the bundled gateway built from templates/, or a pinned image reference. */
const gatewayImage = z.union([
  z.strictObject({ build: z.literal("bundled"), tag: z.string().default("gatekit/gateway:local") }),
  z.strictObject({ name: z.string().min(1) }),
]);

const hardening = z.strictObject({
  user: z.string().optional(),
  read_only_root_fs: z.boolean().default(true),
  no_new_privileges: z.boolean().default(true),
  drop_capabilities: z.array(z.string()).default(["ALL"]),
});

export const specSchema = z.strictObject({
  /** Free text for humans; the environment's name is its file name. */
  description: z.string().optional(),
  /** The Terraform state backend for this environment's stack. */
  state: z
    .discriminatedUnion("backend", [
      z.strictObject({ backend: z.literal("local"), path: z.string().optional() }),
      z.strictObject({ backend: z.literal("s3"), bucket: z.string(), key: z.string(), region: z.string() }),
      z.strictObject({ backend: z.literal("remote"), organization: z.string(), workspace: z.string() }),
    ])
    .default({ backend: "local" }),
  /**
   * Where images come from. `registry`: the pinned references below, pulled (the gateway's from your
   * registry). `local`: images gatekit builds from templates/ (`gatekit images build <env>`), for air-gapped
   * hosts and CI — nothing is pulled.
   */
  images: z.enum(["registry", "local"]).default("registry"),
  host: z.strictObject({
    /** Docker daemon address, e.g. unix:///var/run/docker.sock or ssh://deploy@gw-1. */
    docker_host: z.string().default("unix:///var/run/docker.sock"),
    cpus: z.number().int().positive(),
    memory: byteSize,
    /** Address host ports are published on; data services may only use loopback. */
    publish_address: z.string().default("127.0.0.1"),
  }),
  gateway: z.strictObject({
    instances: z.number().int().positive().default(1),
    num_workers: z.number().int().positive(),
    max_requests_before_restart: z.number().int().positive().optional(),
    max_requests_before_restart_jitter: z.number().int().nonnegative().default(0),
    graceful_shutdown_timeout: seconds.default(3600),
    port: port.default(4000),
    health_port: port.default(4001),
    separate_health_app: z.boolean().default(true),
    image: gatewayImage.default({ build: "bundled", tag: "gatekit/gateway:local" }),
    memory_limit: byteSize.optional(),
    healthcheck: healthcheck.default({ interval: 30, timeout: 10, start_period: 40, retries: 3 }),
    hardening: hardening.default({ read_only_root_fs: true, no_new_privileges: true, drop_capabilities: ["ALL"] }),
    /** LITELLM_MODE and LITELLM_LOG as the gateway container gets them. */
    mode: z.enum(["PRODUCTION", "DEV"]).default("PRODUCTION"),
    log_level: z.enum(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]).default("ERROR"),
  }),
  postgres: z.strictObject({
    image: z.string().default("postgres:16"),
    max_connections: z.number().int().positive().default(100),
    /** Connections kept free for admin, migrations and monitoring. */
    reserved_connections: z.number().int().nonnegative().default(10),
    volume: z.string(),
    retain_volume: z.boolean().default(true),
    user: z.string().default("litellm"),
    database: z.string().default("litellm"),
    password: envRef,
    /** Publish Postgres on the host for operators (loopback only); omit to keep it internal. */
    host_port: port.optional(),
    memory_limit: byteSize.default(1024 ** 3),
    hardening: hardening.default({ read_only_root_fs: false, no_new_privileges: true, drop_capabilities: ["ALL"] }),
  }),
  redis: z
    .strictObject({
      image: z.string().default("redis:7"),
      password: envRef,
      maxmemory: byteSize.default(256 * 1024 ** 2),
      maxmemory_policy: z
        .enum(["noeviction", "allkeys-lru", "allkeys-lfu", "volatile-lru", "volatile-lfu", "allkeys-random", "volatile-ttl"])
        .default("allkeys-lru"),
      persistence: z.enum(["none", "rdb", "aof"]).default("rdb"),
      volume: z.string().optional(),
      host_port: port.optional(),
      memory_limit: byteSize.default(512 * 1024 ** 2),
      hardening: hardening.default({ read_only_root_fs: false, no_new_privileges: true, drop_capabilities: ["ALL"] }),
    })
    .optional(),
  /** With gateway.instances > 1: HAProxy in front of the instances, health-checking each on its health port. */
  load_balancer: z
    .strictObject({
      image: z.string().default("haproxy:2.8.16"),
      memory_limit: byteSize.default(256 * 1024 ** 2),
    })
    .default({ image: "haproxy:2.8.16", memory_limit: 256 * 1024 ** 2 }),
  networks: z
    .strictObject({
      /** Where clients reach the gateway. */
      public: z.string().optional(),
      /** Gateway ↔ Postgres/Redis; `internal` networks have no route out. */
      internal: z.string().optional(),
    })
    .default({}),
  secrets: z.strictObject({
    master_key: envRef,
    salt_key: envRef,
  }),
  /** The gateway's LiteLLM config.yaml, rendered into the container. */
  litellm: litellmConfig,
  /** Plan review: destructive changes this change makes on purpose, by Terraform address, each with a reason. */
  review: z
    .strictObject({
      acknowledge_destructive: z
        .array(z.strictObject({ resource: z.string(), reason: z.string().min(10, "a written reason of at least 10 characters") }))
        .default([]),
    })
    .default({ acknowledge_destructive: [] }),
  /** Rule findings accepted for this environment, each with a written reason. */
  suppressions: z
    .array(z.strictObject({ rule: z.string(), reason: z.string().min(10, "a written reason of at least 10 characters") }))
    .default([]),
});

export type Spec = z.infer<typeof specSchema>;
export type SpecInput = z.input<typeof specSchema>;

/** A loaded environment: its name (the file name), where it came from, and the parsed spec. */
export interface Environment {
  name: string;
  file: string;
  spec: Spec;
}
