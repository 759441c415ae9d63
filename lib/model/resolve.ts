// Spec → deployment model. All the decisions about names, ports, env vars, commands and probes live here,
// once, so that every target deploys the same thing.
import { stringify } from "yaml";
import { envRefName } from "../gateway/config/schema.ts";
import { secretRefsIn, secretVariables } from "../spec/secrets.ts";
import type { Environment, Spec } from "../spec/schema.ts";
import { imageFor } from "./images.ts";
import { HAPROXY_CONFIG_PATH, LB_STATUS_PATH, renderHaproxyConfig } from "./load-balancer.ts";
import type { DeploymentModel, HealthProbe, ServiceModel } from "./types.ts";

export const CONFIG_PATH = "/app/config/config.yaml";
/** Docker writes uploaded files into a read-only container only inside a volume: each gets an anonymous one. */
const uploadVolume = (file: string) => ({ path: file.slice(0, file.lastIndexOf("/")) });
const POSTGRES_PORT = 5432;
const REDIS_PORT = 6379;
/** uid:gid of the postgres and redis users in the official Debian-based images. */
const DATA_USER = "999:999";

const secret = (ref: string, url = false) => `{{secret:${envRefName(ref)}${url ? "|url" : ""}}}`;

export function resolveEnvironment({ name, spec }: Environment): DeploymentModel {
  const nets = networkNames(name, spec);
  const gatewayTier = gatewayServices(name, spec, nets);
  const balanced = spec.gateway.instances > 1;
  const services = [
    postgresService(name, spec, nets), ...(spec.redis ? [redisService(name, spec, nets)] : []), ...gatewayTier,
    ...(balanced ? [loadBalancerService(name, spec, nets, gatewayTier)] : []),
  ];
  // Clients reach the load balancer when there is one, else each instance.
  const entry = services.filter((s) => s.role === (balanced ? "load_balancer" : "gateway"));
  const url = (s: ServiceModel, port: string) => `http://${spec.host.publish_address}:${s.ports.find((p) => p.name === port)!.host}`;
  return {
    environment: name,
    dockerHost: spec.host.docker_host,
    state: spec.state,
    networks: [
      { key: "public", name: nets.public, internal: false },
      { key: "internal", name: nets.internal, internal: true },
    ],
    // A retained volume is not a resource of the stack: Docker creates it on first use and a destroy keeps it.
    managedVolumes: spec.postgres.retain_volume ? [] : [{ key: "postgres_data", name: spec.postgres.volume }],
    secrets: secretVariables(spec).filter((v) => v !== "DATABASE_URL"),
    saltKeyVariable: envRefName(spec.secrets.salt_key)!,
    services,
    endpoints: { gateway: entry.map((g) => url(g, "api")), health: entry.map((g) => url(g, "health")) },
  };
}

function networkNames(name: string, spec: Spec) {
  return { public: spec.networks.public ?? `gatekit-${name}-public`, internal: spec.networks.internal ?? `gatekit-${name}-internal` };
}

function probe(test: string[], h: { interval: number; timeout: number; start_period: number; retries: number }): HealthProbe {
  return { test, intervalSeconds: h.interval, timeoutSeconds: h.timeout, startPeriodSeconds: h.start_period, retries: h.retries };
}

type Hardening = Spec["gateway"]["hardening"];

/** The spec's hardening block as the model's fields; data services default to their images' non-root user. */
const hardened = (h: Hardening, defaultUser?: string) => ({
  user: h.user ?? defaultUser,
  readOnlyRootFs: h.read_only_root_fs,
  noNewPrivileges: h.no_new_privileges,
  dropCapabilities: h.drop_capabilities,
});

const DATA_PROBE = { interval: 5, timeout: 5, start_period: 20, retries: 10 };

function postgresService(name: string, spec: Spec, nets: { internal: string }): ServiceModel {
  const pg = spec.postgres;
  return {
    key: "postgres", role: "postgres", containerName: `${name}-postgres`,
    image: imageFor(spec, "postgres"),
    command: ["postgres", "-c", `max_connections=${pg.max_connections}`],
    env: { POSTGRES_USER: pg.user, POSTGRES_DB: pg.database, POSTGRES_PASSWORD: secret(pg.password), PGDATA: "/var/lib/postgresql/data/pgdata" },
    ports: pg.host_port ? [{ name: "postgres", container: POSTGRES_PORT, host: pg.host_port, address: spec.host.publish_address }] : [],
    health: probe(["CMD-SHELL", `pg_isready -U ${pg.user} -d ${pg.database}`], DATA_PROBE),
    volumes: [{ volume: pg.volume, path: "/var/lib/postgresql/data" }],
    tmpfs: ["/tmp", "/var/run/postgresql"],
    files: [],
    networks: [{ name: nets.internal, aliases: ["postgres"] }],
    memoryBytes: pg.memory_limit,
    ...hardened(pg.hardening, DATA_USER),
    dependsOn: [],
    stopGraceSeconds: 60,
  };
}

function redisService(name: string, spec: Spec, nets: { internal: string }): ServiceModel {
  const r = spec.redis!;
  const persistence = { none: "--save '' --appendonly no", rdb: "--save 60 1000 --appendonly no", aof: "--appendonly yes" }[r.persistence];
  // The password reaches redis-server through the environment, never its command line (visible in `ps`).
  const server = `exec redis-server --requirepass "$REDIS_PASSWORD" --maxmemory ${r.maxmemory} --maxmemory-policy ${r.maxmemory_policy} ${persistence}`;
  return {
    key: "redis", role: "redis", containerName: `${name}-redis`,
    image: imageFor(spec, "redis"),
    command: ["sh", "-c", server],
    env: { REDIS_PASSWORD: secret(r.password), REDISCLI_AUTH: secret(r.password) },
    ports: r.host_port ? [{ name: "redis", container: REDIS_PORT, host: r.host_port, address: spec.host.publish_address }] : [],
    health: probe(["CMD", "redis-cli", "ping"], DATA_PROBE),
    volumes: r.volume ? [{ volume: r.volume, path: "/data" }] : [],
    tmpfs: ["/tmp"],
    files: [],
    networks: [{ name: nets.internal, aliases: ["redis"] }],
    memoryBytes: r.memory_limit,
    ...hardened(r.hardening, DATA_USER),
    dependsOn: [],
    stopGraceSeconds: 30,
  };
}

function gatewayServices(name: string, spec: Spec, nets: { public: string; internal: string }): ServiceModel[] {
  const g = spec.gateway;
  const bundled = "build" in g.image;
  const image = imageFor(spec, "gateway");
  // Behind a load balancer instances publish nothing: the balancer owns the ports.
  const publish = g.instances === 1;
  const health = `http://127.0.0.1:${g.health_port}/health/liveliness`;
  const test = bundled
    ? ["CMD", "node", "-e", `fetch('${health}').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`]
    : ["CMD", "python3", "-c", `import urllib.request; urllib.request.urlopen('${health}', timeout=${g.healthcheck.timeout})`];
  const config = renderGatewayConfig(spec);
  return Array.from({ length: g.instances }, (_, i) => ({
    key: `gateway_${i + 1}`, role: "gateway" as const, containerName: `${name}-gateway-${i + 1}`,
    image,
    command: gatewayCommand(spec, bundled),
    env: gatewayEnv(spec),
    ports: publish
      ? [
          { name: "api", container: g.port, host: g.port, address: spec.host.publish_address },
          { name: "health", container: g.health_port, host: g.health_port, address: spec.host.publish_address },
        ]
      : [],
    health: probe(test, g.healthcheck),
    volumes: [uploadVolume(CONFIG_PATH)],
    tmpfs: ["/tmp"],
    files: [{ path: CONFIG_PATH, content: config }],
    networks: [{ name: nets.public, aliases: [] }, { name: nets.internal, aliases: [] }],
    memoryBytes: g.memory_limit ?? g.num_workers * 384 * 1024 ** 2 + 128 * 1024 ** 2,
    ...hardened(g.hardening),
    dependsOn: spec.redis ? ["postgres", "redis"] : ["postgres"],
    stopGraceSeconds: g.graceful_shutdown_timeout,
  }));
}

function loadBalancerService(name: string, spec: Spec, nets: { public: string }, gateways: ServiceModel[]): ServiceModel {
  const g = spec.gateway;
  // The haproxy images have no HTTP client; bash's /dev/tcp asks the balancer's own status page.
  const status = `exec 3<>/dev/tcp/127.0.0.1/${g.health_port} && printf 'GET ${LB_STATUS_PATH} HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q ' 200 ' <&3`;
  return {
    key: "load_balancer", role: "load_balancer", containerName: `${name}-lb`,
    image: imageFor(spec, "load_balancer"),
    command: ["haproxy", "-W", "-db", "-f", HAPROXY_CONFIG_PATH],
    env: {},
    ports: [
      { name: "api", container: g.port, host: g.port, address: spec.host.publish_address },
      { name: "health", container: g.health_port, host: g.health_port, address: spec.host.publish_address },
    ],
    health: probe(["CMD", "bash", "-c", status], { interval: 5, timeout: 5, start_period: 10, retries: 3 }),
    volumes: [uploadVolume(HAPROXY_CONFIG_PATH)],
    tmpfs: ["/tmp"],
    files: [{ path: HAPROXY_CONFIG_PATH, content: renderHaproxyConfig(name, spec) }],
    networks: [{ name: nets.public, aliases: [] }],
    memoryBytes: spec.load_balancer.memory_limit,
    user: undefined, readOnlyRootFs: true, noNewPrivileges: true, dropCapabilities: ["ALL"],
    dependsOn: gateways.map((s) => s.key),
    stopGraceSeconds: 30,
  };
}

/** LiteLLM's proxy flags; the bundled gateway also takes the recycling jitter and the graceful timeout. */
function gatewayCommand(spec: Spec, bundled: boolean): string[] {
  const g = spec.gateway;
  const flags = ["--config", CONFIG_PATH, "--port", String(g.port), "--num_workers", String(g.num_workers)];
  if (g.max_requests_before_restart) flags.push("--max_requests_before_restart", String(g.max_requests_before_restart));
  if (bundled) {
    flags.push("--max_requests_before_restart_jitter", String(g.max_requests_before_restart_jitter));
    flags.push("--graceful_shutdown_timeout", String(g.graceful_shutdown_timeout));
  }
  return flags;
}

function gatewayEnv(spec: Spec): Record<string, string> {
  const { gateway: g, postgres: pg, redis } = spec;
  const env: Record<string, string> = {
    LITELLM_MODE: g.mode,
    LITELLM_LOG: g.log_level,
    CONFIG_FILE_PATH: CONFIG_PATH,
    SEPARATE_HEALTH_APP: g.separate_health_app ? "1" : "0",
    SEPARATE_HEALTH_PORT: String(g.health_port),
    LITELLM_MASTER_KEY: secret(spec.secrets.master_key),
    LITELLM_SALT_KEY: secret(spec.secrets.salt_key),
    DATABASE_URL: `postgresql://${pg.user}:${secret(pg.password, true)}@postgres:${POSTGRES_PORT}/${pg.database}`,
  };
  if (g.max_requests_before_restart) env.MAX_REQUESTS_BEFORE_RESTART = String(g.max_requests_before_restart);
  if (redis) Object.assign(env, { REDIS_HOST: "redis", REDIS_PORT: String(REDIS_PORT), REDIS_PASSWORD: secret(redis.password) });
  // Every other variable the LiteLLM config references (provider keys), passed through as secrets.
  const own = new Set(["DATABASE_URL", envRefName(spec.secrets.master_key), envRefName(pg.password), redis && envRefName(redis.password)]);
  for (const { variable } of secretRefsIn(spec.litellm)) {
    if (!own.has(variable)) env[variable] = `{{secret:${variable}}}`;
  }
  return env;
}

/** The gateway's config.yaml: the spec's `litellm` section; secrets stay `os.environ/NAME` references. */
export function renderGatewayConfig(spec: Spec): string {
  const { model_list, litellm_settings, router_settings, general_settings, environment_variables } = spec.litellm;
  const doc: Record<string, unknown> = { model_list, litellm_settings, router_settings, general_settings };
  if (Object.keys(environment_variables).length) doc.environment_variables = environment_variables;
  return `# Rendered by gatekit from the environment spec; edit the spec, not this file.\n${stringify(doc, { sortMapEntries: false })}`;
}
