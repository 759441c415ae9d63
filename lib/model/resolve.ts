// Spec → deployment model. All the decisions about names, ports, env vars, commands and probes live here,
// once, so that every target deploys the same thing.
import { stringify } from "yaml";
import { envRefName } from "../gateway/config/schema.ts";
import { literalSecrets, litellmSecretRefs, secretVariables } from "../spec/secrets.ts";
import type { DockerEnvironment, DockerSpec, Environment, KubernetesEnvironment, KubernetesSpec, Spec } from "../spec/schema.ts";
import { imageFor } from "./images.ts";
import { PROMETHEUS_CONFIG_PATH, PROMETHEUS_DATA_PATH, renderPrometheusConfig } from "./prometheus.ts";
import { DRAIN_DELAY_SECONDS, HAPROXY_CONFIG_PATH, LB_STATUS_PATH, renderHaproxyConfig } from "./load-balancer.ts";
import type { DataEndpoint, DeploymentModel, DockerDeployment, HealthProbe, KubernetesDeployment, ServiceModel } from "./types.ts";

export const CONFIG_PATH = "/app/config/config.yaml";
/** The gateway's spend journal (docs/spend.md): on a volume, so a crashed container's replacement replays it. */
export const SPEND_JOURNAL_PATH = "/var/lib/gatekit/spend-journal";
const POSTGRES_PORT = 5432;
const REDIS_PORT = 6379;
/** uid:gid of the postgres and redis users in the official Debian-based images. */
const DATA_USER = "999:999";

const secret = (ref: string, url = false) => `{{secret:${envRefName(ref)}${url ? "|url" : ""}}}`;

/** Where a target puts the services: the addresses the gateway uses for its data services, and Docker's extras. */
interface Placement {
  postgres: { host: string; port: number };
  redis?: { host: string; port: number };
  /** Docker only: host publishing and networks. Kubernetes publishes through Services instead. */
  docker?: { publishAddress: string; nets: { public: string; internal: string }; postgresHostPort?: number; redisHostPort?: number };
}

export function resolveEnvironment(env: DockerEnvironment): DockerDeployment;
export function resolveEnvironment(env: KubernetesEnvironment): KubernetesDeployment;
export function resolveEnvironment(env: Environment): DeploymentModel;
export function resolveEnvironment(env: Environment): DeploymentModel {
  return env.spec.target === "kubernetes" ? resolveKubernetes(env as KubernetesEnvironment) : resolveDocker(env as DockerEnvironment);
}

function resolveDocker({ name, spec }: DockerEnvironment): DockerDeployment {
  const nets = networkNames(name, spec);
  const place: Placement = {
    postgres: { host: "postgres", port: POSTGRES_PORT },
    redis: spec.redis ? { host: "redis", port: REDIS_PORT } : undefined,
    docker: { publishAddress: spec.host.publish_address, nets, postgresHostPort: spec.postgres.host_port, redisHostPort: spec.redis?.host_port },
  };
  const postgres = { ...postgresService(name, spec, place), volumes: [{ volume: spec.postgres.volume, path: "/var/lib/postgresql/data" }] };
  const redis = spec.redis && { ...redisService(name, spec, place), volumes: spec.redis.volume ? [{ volume: spec.redis.volume, path: "/data" }] : [] };
  const gateways = dockerGateways(name, spec, place);
  const balanced = spec.gateway.instances > 1;
  const services = [
    postgres, ...(redis ? [redis] : []), ...gateways, ...(balanced ? [loadBalancerService(name, spec, place, gateways)] : []),
    ...(spec.monitoring.prometheus ? [prometheusService(name, spec, place, gateways)] : []),
  ];
  // Clients reach the load balancer when there is one, else the instance.
  const entry = services.filter((s) => s.role === (balanced ? "load_balancer" : "gateway"));
  const url = (s: ServiceModel, port: string) => `http://${spec.host.publish_address}:${s.ports.find((p) => p.name === port)!.host}`;
  return {
    target: "docker",
    environment: name,
    dockerHost: spec.host.docker_host,
    state: spec.state,
    networks: [
      { key: "public", name: nets.public, internal: false },
      { key: "internal", name: nets.internal, internal: true },
      ...(["postgres", "redis"] as const).filter((s) => place.docker![`${s}HostPort`]).map((s) => ({ key: `${s}_host`, name: hostNetwork(nets, s), internal: false })),
    ],
    // A retained volume is not a resource of the stack: Docker creates it on first use and a destroy keeps it.
    managedVolumes: spec.postgres.retain_volume ? [] : [{ key: "postgres_data", name: spec.postgres.volume }],
    ...secretsOf(spec),
    services,
    endpoints: { gateway: entry.map((g) => url(g, "api")), health: entry.map((g) => url(g, "health")) },
  };
}

/** The same services for a cluster: one gateway Deployment scaled by an HPA; data services in-cluster or managed. */
function resolveKubernetes({ name, spec }: KubernetesEnvironment): KubernetesDeployment {
  const k = spec.kubernetes;
  const postgres = dataEndpoint(k.postgres, "postgres", POSTGRES_PORT);
  const redis = spec.redis ? dataEndpoint(k.redis, "redis", REDIS_PORT) : undefined;
  const place: Placement = { postgres, redis };
  const services: ServiceModel[] = [];
  if (postgres.mode === "statefulset") services.push({ ...postgresService(name, spec, place), volumes: [{ volume: "data", path: "/var/lib/postgresql/data" }] });
  if (redis?.mode === "statefulset") {
    services.push({ ...redisService(name, spec, place), volumes: spec.redis!.persistence === "none" ? [] : [{ volume: "data", path: "/data" }] });
  }
  services.push({ ...gatewayService(spec, place), key: "gateway", containerName: "gateway" });
  return {
    target: "kubernetes",
    environment: name,
    state: spec.state,
    ...secretsOf(spec),
    services,
    namespace: k.namespace,
    replicas: k.replicas,
    postgres,
    redis,
    spendJournal: spendJournalKind(spec),
  };
}

function spendJournalKind(spec: KubernetesSpec): KubernetesDeployment["spendJournal"] {
  const j = spec.gateway.spend_journal;
  if (j.storage === "pvc") return { kind: "pvc", claimName: j.claim_name! };
  return j.storage === "volume" ? { kind: "emptyDir", sizeLimit: j.size_limit } : undefined;
}

function dataEndpoint(d: KubernetesSpec["kubernetes"]["postgres"], service: string, port: number): DataEndpoint {
  return d.mode === "managed"
    ? { mode: "managed", host: d.host, port: d.port }
    : { mode: "statefulset", host: service, port, storage: d.storage, storageClass: d.storage_class };
}

function secretsOf(spec: Spec) {
  return { secrets: secretVariables(spec).filter((v) => v !== "DATABASE_URL"), saltKeyVariable: envRefName(spec.secrets.salt_key)! };
}

function networkNames(name: string, spec: DockerSpec) {
  return { public: spec.networks.public ?? `gatekit-${name}-public`, internal: spec.networks.internal ?? `gatekit-${name}-internal` };
}

/**
 * The engine publishes no port of a container that is on internal networks only: a data service with a host port
 * also joins a network of its own, with nothing else on it, that the port is published from.
 */
const hostNetwork = (nets: { internal: string }, service: "postgres" | "redis") => `${nets.internal}-${service}-host`;

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

function postgresService(name: string, spec: Spec, place: Placement): ServiceModel {
  const pg = spec.postgres;
  const d = place.docker;
  return {
    key: "postgres", role: "postgres", containerName: `${name}-postgres`,
    image: imageFor(spec, "postgres"),
    command: ["postgres", "-c", `max_connections=${pg.max_connections}`],
    env: { POSTGRES_USER: pg.user, POSTGRES_DB: pg.database, POSTGRES_PASSWORD: secret(pg.password), PGDATA: "/var/lib/postgresql/data/pgdata" },
    ports: d ? (d.postgresHostPort ? [{ name: "postgres", container: POSTGRES_PORT, host: d.postgresHostPort, address: d.publishAddress }] : []) : [{ name: "postgres", container: POSTGRES_PORT }],
    health: probe(["CMD-SHELL", `pg_isready -U ${pg.user} -d ${pg.database}`], DATA_PROBE),
    volumes: [],
    tmpfs: ["/tmp", "/var/run/postgresql"],
    files: [],
    networks: d ? [{ name: d.nets.internal, aliases: ["postgres"] }, ...(d.postgresHostPort ? [{ name: hostNetwork(d.nets, "postgres"), aliases: [] }] : [])] : [],
    memoryBytes: pg.memory_limit,
    ...hardened(pg.hardening, DATA_USER),
    dependsOn: [],
    stopGraceSeconds: 60,
  };
}

function redisService(name: string, spec: Spec, place: Placement): ServiceModel {
  const r = spec.redis!;
  const d = place.docker;
  const persistence = { none: "--save '' --appendonly no", rdb: "--save 60 1000 --appendonly no", aof: "--appendonly yes" }[r.persistence];
  // The password reaches redis-server through the environment, never its command line (visible in `ps`).
  const server = `exec redis-server --requirepass "$REDIS_PASSWORD" --maxmemory ${r.maxmemory} --maxmemory-policy ${r.maxmemory_policy} ${persistence}`;
  return {
    key: "redis", role: "redis", containerName: `${name}-redis`,
    image: imageFor(spec, "redis"),
    command: ["sh", "-c", server],
    env: { REDIS_PASSWORD: secret(r.password), REDISCLI_AUTH: secret(r.password) },
    ports: d ? (d.redisHostPort ? [{ name: "redis", container: REDIS_PORT, host: d.redisHostPort, address: d.publishAddress }] : []) : [{ name: "redis", container: REDIS_PORT }],
    health: probe(["CMD", "redis-cli", "ping"], DATA_PROBE),
    volumes: [],
    tmpfs: ["/tmp"],
    files: [],
    networks: d ? [{ name: d.nets.internal, aliases: ["redis"] }, ...(d.redisHostPort ? [{ name: hostNetwork(d.nets, "redis"), aliases: [] }] : [])] : [],
    memoryBytes: r.memory_limit,
    ...hardened(r.hardening, DATA_USER),
    dependsOn: [],
    stopGraceSeconds: 30,
  };
}

/** One gateway service; the Docker target repeats it per instance. */
function gatewayService(spec: Spec, place: Placement): ServiceModel {
  const g = spec.gateway;
  const bundled = "build" in g.image;
  const image = imageFor(spec, "gateway");
  const health = `http://127.0.0.1:${g.health_port}/health/liveliness`;
  const test = bundled
    ? ["CMD", "node", "-e", `fetch('${health}').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`]
    : ["CMD", "python3", "-c", `import urllib.request; urllib.request.urlopen('${health}', timeout=${g.healthcheck.timeout})`];
  // /health/readiness answers 503 while Postgres is down. When the gateway is meant to keep serving through a
  // database outage, readiness must not follow the database, or every replica leaves the load balancer at once.
  const readiness = spec.litellm.general_settings.allow_requests_on_db_unavailable ? "/health/liveliness" : "/health/readiness";
  return {
    key: "gateway", role: "gateway", containerName: "gateway",
    image,
    command: gatewayCommand(spec, bundled),
    env: gatewayEnv(spec, place),
    ports: [{ name: "api", container: g.port }, { name: "health", container: g.health_port }],
    health: { ...probe(test, g.healthcheck), http: { port: g.health_port, liveness: "/health/liveliness", readiness } },
    // Kubernetes: a volume named spend-journal (an emptyDir or the claim, lib/k8s); Docker names one per instance.
    volumes: ["volume", "pvc"].includes(g.spend_journal.storage) ? [{ volume: "spend-journal", path: SPEND_JOURNAL_PATH }] : [],
    tmpfs: g.spend_journal.storage === "tmpfs" ? ["/tmp", SPEND_JOURNAL_PATH] : ["/tmp"],
    files: [{ path: CONFIG_PATH, content: renderGatewayConfig(spec) }],
    networks: [],
    memoryBytes: g.memory_limit ?? g.num_workers * 384 * 1024 ** 2 + 128 * 1024 ** 2,
    cpus: g.num_workers,
    ...hardened(g.hardening),
    dependsOn: [],
    stopGraceSeconds: g.graceful_shutdown_timeout,
  };
}

function dockerGateways(name: string, spec: DockerSpec, place: Placement): ServiceModel[] {
  const g = spec.gateway;
  const d = place.docker!;
  const base = gatewayService(spec, place);
  return Array.from({ length: g.instances }, (_, i) => ({
    ...base,
    key: `gateway_${i + 1}`, containerName: `${name}-gateway-${i + 1}`,
    // Behind a load balancer instances publish nothing: the balancer owns the ports.
    ports: g.instances > 1 ? [] : [
      { name: "api", container: g.port, host: g.port, address: d.publishAddress },
      { name: "health", container: g.health_port, host: g.health_port, address: d.publishAddress },
    ],
    volumes: g.spend_journal.storage === "volume" ? [{ volume: spendJournalVolume(name, spec, i), path: SPEND_JOURNAL_PATH }] : [],
    env: g.instances > 1 ? { ...base.env, GATEKIT_DRAIN_DELAY_SECONDS: String(DRAIN_DELAY_SECONDS) } : base.env,
    networks: [{ name: d.nets.public, aliases: [] }, { name: d.nets.internal, aliases: [] }],
    dependsOn: spec.redis ? ["postgres", "redis"] : ["postgres"],
  }));
}

/** Each instance's own journal volume: retained (not a resource of the stack), so a destroy keeps unwritten spend. */
export const spendJournalVolume = (name: string, spec: DockerSpec, instance: number) => `${spec.gateway.spend_journal.volume ?? `gatekit-${name}-spend-journal`}-${instance + 1}`;

function loadBalancerService(name: string, spec: DockerSpec, place: Placement, gateways: ServiceModel[]): ServiceModel {
  const g = spec.gateway;
  const d = place.docker!;
  // The haproxy images have no HTTP client; bash's /dev/tcp asks the balancer's own status page.
  const status = `exec 3<>/dev/tcp/127.0.0.1/${g.health_port} && printf 'GET ${LB_STATUS_PATH} HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q ' 200 ' <&3`;
  return {
    key: "load_balancer", role: "load_balancer", containerName: `${name}-lb`,
    image: imageFor(spec, "load_balancer"),
    command: ["haproxy", "-W", "-db", "-f", HAPROXY_CONFIG_PATH],
    env: {},
    ports: [
      { name: "api", container: g.port, host: g.port, address: d.publishAddress },
      { name: "health", container: g.health_port, host: g.health_port, address: d.publishAddress },
    ],
    health: probe(["CMD", "bash", "-c", status], { interval: 5, timeout: 5, start_period: 10, retries: 3 }),
    volumes: [],
    tmpfs: ["/tmp"],
    files: [{ path: HAPROXY_CONFIG_PATH, content: renderHaproxyConfig(name, spec) }],
    networks: [{ name: d.nets.public, aliases: [] }],
    memoryBytes: spec.load_balancer.memory_limit,
    user: undefined, readOnlyRootFs: true, noNewPrivileges: true, dropCapabilities: ["ALL"],
    dependsOn: gateways.map((s) => s.key),
    stopGraceSeconds: 30,
  };
}

function prometheusService(name: string, spec: DockerSpec, place: Placement, gateways: ServiceModel[]): ServiceModel {
  const p = spec.monitoring.prometheus!;
  const d = place.docker!;
  return {
    key: "prometheus", role: "prometheus", containerName: `${name}-prometheus`,
    image: imageFor(spec, "prometheus"),
    // Arguments to the image's entrypoint (the prometheus binary), in both the official and the local image.
    command: [`--config.file=${PROMETHEUS_CONFIG_PATH}`, `--storage.tsdb.path=${PROMETHEUS_DATA_PATH}`, `--storage.tsdb.retention.time=${p.retention}`],
    env: {},
    ports: [{ name: "prometheus", container: 9090, host: p.port, address: "127.0.0.1" }],
    health: probe(["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:9090/-/ready"], { interval: 5, timeout: 5, start_period: 20, retries: 5 }),
    volumes: [{ volume: p.volume ?? `gatekit-${name}-prometheus`, path: PROMETHEUS_DATA_PATH }],
    tmpfs: ["/tmp"],
    files: [{ path: PROMETHEUS_CONFIG_PATH, content: renderPrometheusConfig(name, spec) }],
    networks: [{ name: d.nets.public, aliases: [] }],
    memoryBytes: p.memory_limit,
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

function gatewayEnv(spec: Spec, place: Placement): Record<string, string> {
  const { gateway: g, postgres: pg, redis } = spec;
  const db = place.postgres;
  const env: Record<string, string> = {
    LITELLM_MODE: g.mode,
    LITELLM_LOG: g.log_level,
    CONFIG_FILE_PATH: CONFIG_PATH,
    SEPARATE_HEALTH_APP: g.separate_health_app ? "1" : "0",
    SEPARATE_HEALTH_PORT: String(g.health_port),
    LITELLM_MASTER_KEY: secret(spec.secrets.master_key),
    LITELLM_SALT_KEY: secret(spec.secrets.salt_key),
    DATABASE_URL: `postgresql://${pg.user}:${secret(pg.password, true)}@${db.host}:${db.port}/${pg.database}`,
    // A claim shared by pods holds one folder per pod (POD_NAME comes from the pod's metadata, lib/k8s).
    GATEKIT_SPEND_JOURNAL_DIR: { off: "off", pvc: `${SPEND_JOURNAL_PATH}/$(POD_NAME)` }[g.spend_journal.storage as string] ?? SPEND_JOURNAL_PATH,
  };
  if (g.spend_journal.storage === "pvc") env.GATEKIT_SPEND_JOURNAL_SHARED = "1"; // pods take over the folders of pods gone
  if (g.max_requests_before_restart) env.MAX_REQUESTS_BEFORE_RESTART = String(g.max_requests_before_restart);
  if (redis && place.redis) Object.assign(env, { REDIS_HOST: place.redis.host, REDIS_PORT: String(place.redis.port), REDIS_PASSWORD: secret(redis.password) });
  // Every other variable the LiteLLM config references (provider keys, SLACK_WEBHOOK_URL), passed through as secrets.
  const own = new Set(["DATABASE_URL", envRefName(spec.secrets.master_key), envRefName(pg.password), redis && envRefName(redis.password)]);
  for (const { variable } of litellmSecretRefs(spec.litellm)) {
    if (!own.has(variable)) env[variable] = `{{secret:${variable}}}`;
  }
  return env;
}

/**
 * The gateway's config.yaml: the spec's `litellm` section; secrets stay `os.environ/NAME` references. A spec
 * with a literal secret is refused when it is loaded; this refuses one built any other way, so that no literal
 * can reach a stack, a ConfigMap or rendered YAML.
 */
export function renderGatewayConfig(spec: Spec): string {
  const literal = literalSecrets(spec.litellm);
  if (literal.length) {
    throw new Error(`refusing to render config.yaml with literal secrets:\n${literal.map((l) => `  litellm.${l.path.join(".")}: ${l.message}`).join("\n")}`);
  }
  const { model_list, litellm_settings, router_settings, general_settings, environment_variables } = spec.litellm;
  const doc: Record<string, unknown> = { model_list, litellm_settings, router_settings, general_settings };
  if (Object.keys(environment_variables).length) doc.environment_variables = environment_variables;
  return `# Rendered by gatekit from the environment spec; edit the spec, not this file.\n${stringify(doc, { sortMapEntries: false })}`;
}
