// The environment spec: one YAML file per environment (environments/<name>.yaml). Every object is strict so
// that a typo is an error naming the path; secrets appear only as `os.environ/NAME` references.
import { z } from "zod";
import { envRef, litellmConfig, unknownModes } from "../gateway/config/schema.ts";
import { withoutNulls } from "../gateway/config/yaml.ts";
import { literalSecrets } from "./secrets.ts";

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

const stateSchema = z
  .discriminatedUnion("backend", [
    z.strictObject({ backend: z.literal("local"), path: z.string().optional() }),
    z.strictObject({ backend: z.literal("s3"), bucket: z.string(), key: z.string(), region: z.string() }),
    z.strictObject({ backend: z.literal("remote"), organization: z.string(), workspace: z.string() }),
  ])
  .default({ backend: "local" });

/**
 * Where the gateway keeps its spend journal (docs/spend.md). `volume`: a named Docker volume per instance, or on
 * Kubernetes an emptyDir on the node's disk (survives container restarts, not the pod); `pvc`: Kubernetes only,
 * an existing claim with one folder per pod; `tmpfs` and `container` (Docker's writable layer) lose it with the
 * container, `off` keeps no journal — the SpendJournalDurable rule refuses all three.
 */
const spendJournal = z
  .strictObject({
    storage: z.enum(["volume", "pvc", "tmpfs", "container", "off"]).default("volume"),
    /** Docker: the volumes' name, `-<instance>` appended; default gatekit-<env>-spend-journal. */
    volume: z.string().optional(),
    /** Kubernetes pvc: the claim (ReadWriteMany when more than one pod runs). */
    claim_name: z.string().optional(),
    /** Kubernetes emptyDir: its sizeLimit (the journal is bounded well below 1Gi per worker). */
    size_limit: z.string().regex(/^\d+(\.\d+)?(Ki|Mi|Gi|Ti)$/, "a Kubernetes quantity such as 1Gi").default("1Gi"),
  })
  .refine((j) => j.storage !== "pvc" || j.claim_name, { message: "storage: pvc needs claim_name (an existing PersistentVolumeClaim)", path: ["claim_name"] });

const gatewayFields = {
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
  spend_journal: spendJournal.default({ storage: "volume", size_limit: "1Gi" }),
  /** LITELLM_MODE and LITELLM_LOG as the gateway container gets them. */
  mode: z.enum(["PRODUCTION", "DEV"]).default("PRODUCTION"),
  log_level: z.enum(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]).default("ERROR"),
};

const postgresFields = {
  image: z.string().default("postgres:16"),
  max_connections: z.number().int().positive().default(100),
  /** Connections kept free for admin, migrations and monitoring. */
  reserved_connections: z.number().int().nonnegative().default(10),
  user: z.string().default("litellm"),
  database: z.string().default("litellm"),
  password: envRef,
  memory_limit: byteSize.default(1024 ** 3),
  hardening: hardening.default({ read_only_root_fs: false, no_new_privileges: true, drop_capabilities: ["ALL"] }),
};

const redisFields = {
  image: z.string().default("redis:7"),
  password: envRef,
  maxmemory: byteSize.default(256 * 1024 ** 2),
  maxmemory_policy: z
    .enum(["noeviction", "allkeys-lru", "allkeys-lfu", "volatile-lru", "volatile-lfu", "allkeys-random", "volatile-ttl"])
    .default("allkeys-lru"),
  persistence: z.enum(["none", "rdb", "aof"]).default("rdb"),
  memory_limit: byteSize.default(512 * 1024 ** 2),
  hardening: hardening.default({ read_only_root_fs: false, no_new_privileges: true, drop_capabilities: ["ALL"] }),
};

/** What every target shares: the gateway's LiteLLM config, secret references, state, review and suppressions. */
const commonFields = {
  /** Free text for humans; the environment's name is its file name. */
  description: z.string().optional(),
  /** The Terraform state backend for this environment's stack. */
  state: stateSchema,
  secrets: z.strictObject({
    master_key: envRef,
    salt_key: envRef,
  }),
  /**
   * The gateway's LiteLLM config.yaml, rendered into the container. The gateway itself accepts literal secrets
   * there (drop-in), a spec does not: its config ends up in the stack and the rendered manifests.
   */
  litellm: z.preprocess(withoutNulls, litellmConfig.superRefine((value, ctx) => {
    for (const s of literalSecrets(value)) ctx.addIssue({ code: "custom", path: s.path, message: s.message });
    for (const i of unknownModes(value)) ctx.addIssue({ code: "custom", path: i.path, message: i.message });
  })),
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
};

/** One Docker host: containers with host ports, Docker networks and named volumes. */
export const dockerSpecSchema = z.strictObject({
  target: z.literal("docker"),
  ...commonFields,
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
  gateway: z.strictObject({ instances: z.number().int().positive().default(1), ...gatewayFields }),
  postgres: z.strictObject({
    ...postgresFields,
    volume: z.string(),
    retain_volume: z.boolean().default(true),
    /** Publish Postgres on the host for operators (loopback only); omit to keep it internal. */
    host_port: port.optional(),
  }),
  redis: z.strictObject({ ...redisFields, volume: z.string().optional(), host_port: port.optional() }).optional(),
  /** A Prometheus container scraping every gateway instance (templates/grafana-dashboard.json reads it). */
  monitoring: z
    .strictObject({
      prometheus: z
        .strictObject({
          image: z.string().default("prom/prometheus:v2.53.0"),
          /** Published on the host's loopback, for Grafana or a browser. */
          port: port.default(9090),
          retention: z.string().regex(/^\d+[hdwy]$/, "a duration such as 15d").default("15d"),
          volume: z.string().optional(),
          memory_limit: byteSize.default(512 * 1024 ** 2),
        })
        .optional(),
    })
    .default({}),
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
});

/** A DNS-1123 label: what Kubernetes accepts as a namespace or object name. */
const dnsLabel = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "a DNS-1123 label (lower case letters, digits and '-')");
/** A Kubernetes storage quantity such as 20Gi. */
const storageQuantity = z.string().regex(/^\d+(\.\d+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/, "a Kubernetes quantity such as 20Gi");

/** A data service either runs in the cluster (small teams) or is a cloud service the gateway connects to. */
const dataService = (defaultPort: number, defaultStorage: string) =>
  z.discriminatedUnion("mode", [
    z.strictObject({
      mode: z.literal("managed"),
      /** The cloud service's endpoint, e.g. gatekit-prod.abc123.eu-west-1.rds.amazonaws.com. */
      host: z.string().min(1),
      port: port.default(defaultPort),
    }),
    z.strictObject({
      mode: z.literal("statefulset"),
      storage: storageQuantity.default(defaultStorage),
      /** Omit for the cluster's default StorageClass. */
      storage_class: z.string().optional(),
    }),
  ]);

const kubernetesSection = z.strictObject({
  /** How Terraform reaches the cluster (the kubernetes provider's config_path / config_context). */
  provider: z
    .strictObject({ config_path: z.string().default("~/.kube/config"), config_context: z.string().optional() })
    .default({ config_path: "~/.kube/config" }),
  namespace: dnsLabel,
  /** The HorizontalPodAutoscaler's bounds; the connection budget is checked at max. */
  replicas: z
    .strictObject({ min: z.number().int().positive(), max: z.number().int().positive() })
    .refine((r) => r.min <= r.max, { message: "replicas.min must not exceed replicas.max" }),
  autoscaling: z
    .strictObject({ cpu_utilization: z.number().int().min(1).max(100).default(70) })
    .default({ cpu_utilization: 70 }),
  /** false drops the CPU limit (no CFS throttling) at the cost of Guaranteed QoS: see the GuaranteedQos rule. */
  cpu_limit: z.boolean().default(true),
  /** topologySpreadConstraints for the gateway pods: across nodes, across zones. */
  spread: z.strictObject({ nodes: z.boolean().default(true), zones: z.boolean().default(true) }).default({ nodes: true, zones: true }),
  pod_disruption_budget: z
    .strictObject({ enabled: z.boolean().default(true), max_unavailable: z.number().int().nonnegative().default(1) })
    .default({ enabled: true, max_unavailable: 1 }),
  /** Default-deny ingress in the namespace, and only the gateway may reach Postgres and Redis. */
  network_policies: z.boolean().default(true),
  /**
   * PodSecurity admission on the Namespace: `enforce` is the level the cluster admits (warn and audit are always
   * restricted), `version` pins the policy so a cluster upgrade can't change what is admitted. `managed: false`
   * leaves the labels to the cluster's own tooling (the PodSecurityEnforced rule warns).
   */
  pod_security: z
    .strictObject({
      enforce: z.enum(["restricted", "baseline", "privileged"]).default("restricted"),
      version: z.string().regex(/^(v1\.\d+|latest)$/, "a Kubernetes minor version such as v1.34").default("v1.34"),
      managed: z.boolean().default(true),
    })
    .default({ enforce: "restricted", version: "v1.34", managed: true }),
  ingress: z
    .strictObject({
      class_name: z.string().min(1),
      host: z.string().min(1),
      /** An existing kubernetes.io/tls Secret (e.g. made by cert-manager); referenced by name only. */
      tls_secret: z.string().min(1),
      path: z.string().default("/"),
    })
    .optional(),
  /**
   * The Secret holding every variable the spec references (its keys are the variable names). Either it
   * exists already, or `external` renders an ExternalSecret (external-secrets.io) that creates it.
   */
  secrets: z.strictObject({
    name: dnsLabel,
    external: z
      .strictObject({
        store: z.strictObject({ kind: z.enum(["SecretStore", "ClusterSecretStore"]).default("ClusterSecretStore"), name: z.string().min(1) }),
        /** The key in the external store; each variable is a property of it. */
        remote_key: z.string().min(1),
        refresh_interval: z.string().default("1h"),
      })
      .optional(),
  }),
  postgres: dataService(5432, "20Gi"),
  redis: dataService(6379, "1Gi").default({ mode: "statefulset", storage: "1Gi" }),
});

/** A Kubernetes cluster: one namespace per environment, the gateway as a Deployment behind an HPA. */
export const kubernetesSpecSchema = z.strictObject({
  target: z.literal("kubernetes"),
  ...commonFields,
  gateway: z.strictObject(gatewayFields),
  postgres: z.strictObject(postgresFields),
  redis: z.strictObject(redisFields).optional(),
  kubernetes: kubernetesSection,
});

/** Specs written before targets existed are Docker specs: `target` defaults to docker. */
const withDefaultTarget = (raw: unknown) =>
  raw && typeof raw === "object" && !Array.isArray(raw) && !("target" in raw) ? { target: "docker", ...raw } : raw;

export const TARGETS = { docker: dockerSpecSchema, kubernetes: kubernetesSpecSchema } as const;
export type Target = keyof typeof TARGETS;

export const specSchema = z.preprocess(
  withDefaultTarget,
  z.discriminatedUnion("target", [dockerSpecSchema, kubernetesSpecSchema], { error: "target must be docker or kubernetes" }),
);

export type DockerSpec = z.infer<typeof dockerSpecSchema>;
export type KubernetesSpec = z.infer<typeof kubernetesSpecSchema>;
export type Spec = DockerSpec | KubernetesSpec;
export type SpecInput = z.input<typeof dockerSpecSchema> | z.input<typeof kubernetesSpecSchema>;

/** A loaded environment: its name (the file name), where it came from, and the parsed spec. */
export interface Environment<S extends Spec = Spec> {
  name: string;
  file: string;
  spec: S;
}

export type DockerEnvironment = Environment<DockerSpec>;
export type KubernetesEnvironment = Environment<KubernetesSpec>;

export const isKubernetes = (env: Environment): env is KubernetesEnvironment => env.spec.target === "kubernetes";
export const isDocker = (env: Environment): env is DockerEnvironment => env.spec.target === "docker";
