// The resolved deployment model: everything a target (Docker, Kubernetes) needs to create an environment, as
// plain data. Targets map it; none re-derives it from the spec.

/**
 * A value that may embed secrets: literal text with `{{secret:NAME}}` (or `{{secret:NAME|url}}`, URL-encoded)
 * placeholders. Targets replace placeholders with their own secret mechanism (Terraform variables, Secrets).
 */
export type Templated = string;

export interface ImageSource {
  /**
   * build: built by the provider from templates/<dockerfile>; pull: a pinned reference from a registry;
   * local: a tag `gatekit images build` made on the engine (never pulled).
   */
  kind: "build" | "pull" | "local";
  name: string;
  dockerfile?: string;
  buildArgs?: Record<string, string>;
}

export interface HealthProbe {
  /** Docker's healthcheck command (CMD / CMD-SHELL form); Kubernetes maps it to an exec probe. */
  test: string[];
  /** An HTTP health app (the gateway's): orchestrators probe it directly instead of running a command. */
  http?: { port: number; liveness: string; readiness: string };
  intervalSeconds: number;
  timeoutSeconds: number;
  startPeriodSeconds: number;
  retries: number;
}

export interface ServiceModel {
  /** Stable logical id: it becomes the Terraform address; changing it replaces the resource. */
  key: string;
  role: "gateway" | "postgres" | "redis" | "load_balancer" | "prometheus";
  containerName: string;
  image: ImageSource;
  command: string[];
  env: Record<string, Templated>;
  /** Container ports; `host`/`address` are set where the target publishes them on a host (Docker). */
  ports: { name: string; container: number; host?: number; address?: string }[];
  health: HealthProbe;
  /**
   * Persistent data: a Docker volume name, or a Kubernetes volume claim template name. Docker only: no name
   * is an anonymous volume, removed with the container.
   */
  volumes: { volume?: string; path: string }[];
  tmpfs: string[];
  /**
   * Files the service reads (its config), in place before it starts. Targets deliver them their own way: a
   * ConfigMap on Kubernetes, a read-only config volume on Docker (lib/infra/config-volume.ts).
   */
  files: { path: string; content: string }[];
  networks: { name: string; aliases: string[] }[];
  memoryBytes: number;
  /** CPUs the service may use (Kubernetes requests = limits); the gateway gets one per worker. */
  cpus?: number;
  user?: string;
  readOnlyRootFs: boolean;
  noNewPrivileges: boolean;
  dropCapabilities: string[];
  /** Keys of services that must be healthy first. */
  dependsOn: string[];
  stopGraceSeconds: number;
}

type StateBackend = { backend: "local"; path?: string } | { backend: "s3"; bucket: string; key: string; region: string } | { backend: "remote"; organization: string; workspace: string };

interface ModelBase {
  environment: string;
  state: StateBackend;
  /** Environment variables holding secrets: sensitive inputs (Docker) or keys of a Secret (Kubernetes). */
  secrets: string[];
  saltKeyVariable: string;
  services: ServiceModel[];
}

export interface DockerDeployment extends ModelBase {
  target: "docker";
  dockerHost: string;
  networks: { key: string; name: string; internal: boolean }[];
  /** Volumes the stack owns (destroyed with it); retained volumes are only referenced by name. */
  managedVolumes: { key: string; name: string }[];
  endpoints: { gateway: string[]; health: string[] };
}

/** A data service the gateway reaches: in the cluster (a service of the model) or a managed cloud endpoint. */
export type DataEndpoint =
  | { mode: "statefulset"; host: string; port: number; storage: string; storageClass?: string }
  | { mode: "managed"; host: string; port: number };

export interface KubernetesDeployment extends ModelBase {
  target: "kubernetes";
  namespace: string;
  /** The gateway's HorizontalPodAutoscaler bounds. */
  replicas: { min: number; max: number };
  postgres: DataEndpoint;
  redis?: DataEndpoint;
  /** The gateway's `spend-journal` volume: an emptyDir on the node's disk, or an existing claim (a folder per pod). */
  spendJournal?: { kind: "emptyDir"; sizeLimit: string } | { kind: "pvc"; claimName: string };
}

export type DeploymentModel = DockerDeployment | KubernetesDeployment;
