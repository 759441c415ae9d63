// The resolved deployment model: everything a target (Docker now, Kubernetes later) needs to create an
// environment, as plain data. Targets map it; none re-derives it from the spec.

/**
 * A value that may embed secrets: literal text with `{{secret:NAME}}` (or `{{secret:NAME|url}}`, URL-encoded)
 * placeholders. Targets replace placeholders with their own secret mechanism (Terraform variables, Secrets).
 */
export type Templated = string;

export interface ImageSource {
  /**
   * build: built by the provider from templates/<dockerfile>; pull: a pinned reference from a registry;
   * local: a tag `gatekit images build` made on this engine (never pulled).
   */
  kind: "build" | "pull" | "local";
  name: string;
  dockerfile?: string;
  buildArgs?: Record<string, string>;
}

export interface HealthProbe {
  test: string[];
  intervalSeconds: number;
  timeoutSeconds: number;
  startPeriodSeconds: number;
  retries: number;
}

export interface ServiceModel {
  /** Stable logical id: it becomes the Terraform address; changing it replaces the resource. */
  key: string;
  role: "gateway" | "postgres" | "redis" | "load_balancer";
  containerName: string;
  image: ImageSource;
  command: string[];
  env: Record<string, Templated>;
  ports: { name: string; container: number; host: number; address: string }[];
  health: HealthProbe;
  /** A named volume, or (no name) an anonymous one, removed with the container. */
  volumes: { volume?: string; path: string }[];
  tmpfs: string[];
  /**
   * Files written into the container before it starts. With a read-only root filesystem Docker only accepts
   * them inside a volume, so each file's folder must be one of `volumes` (resolve.ts gives it an anonymous one).
   */
  files: { path: string; content: string }[];
  networks: { name: string; aliases: string[] }[];
  memoryBytes: number;
  user?: string;
  readOnlyRootFs: boolean;
  noNewPrivileges: boolean;
  dropCapabilities: string[];
  /** Keys of services that must be healthy first. */
  dependsOn: string[];
  stopGraceSeconds: number;
}

export interface DeploymentModel {
  environment: string;
  dockerHost: string;
  state: { backend: "local"; path?: string } | { backend: "s3"; bucket: string; key: string; region: string } | { backend: "remote"; organization: string; workspace: string };
  networks: { key: string; name: string; internal: boolean }[];
  /** Volumes the stack owns (destroyed with it); retained volumes are only referenced by name. */
  managedVolumes: { key: string; name: string }[];
  /** Environment variables holding secrets, each becoming a sensitive input. */
  secrets: string[];
  saltKeyVariable: string;
  services: ServiceModel[];
  endpoints: { gateway: string[]; health: string[] };
}
