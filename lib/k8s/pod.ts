// A service of the deployment model as a Kubernetes container: env (secrets by reference only), probes,
// resources and the security context. Shared by the gateway Deployment and the data StatefulSets.
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IEnvVar } from "kubernetes-models/v1/EnvVar";
import type { IPodSecurityContext } from "kubernetes-models/v1/PodSecurityContext";
import type { IProbe } from "kubernetes-models/v1/Probe";
import type { IVolume } from "kubernetes-models/v1/Volume";
import type { HealthProbe, ServiceModel } from "../model/types.ts";

const PLACEHOLDER = /\{\{secret:([A-Za-z_][A-Za-z0-9_]*)(\|url)?\}\}/g;
const WHOLE_PLACEHOLDER = /^\{\{secret:([A-Za-z_][A-Za-z0-9_]*)\}\}$/;

/** Seconds the pod keeps serving after it is marked terminating, so Services and Ingresses drop it first. */
export const PRESTOP_PAUSE_SECONDS = 10;
/**
 * Pods a rolling update adds above the current count (Deployment maxSurge): during a rollout at the HPA's maximum
 * this many more gateway pods hold database connections, so the connection budget counts them.
 */
export const ROLLING_SURGE = 1;

export interface ContainerOptions {
  /** The Secret whose keys are the spec's variable names. */
  secretName: string;
  /** Set CPU limits equal to requests (Guaranteed QoS); false leaves CPU unlimited. */
  cpuLimit: boolean;
  /** Extra volume mounts (the gateway's config file). */
  mounts?: IContainer["volumeMounts"];
}

const secretRef = (secretName: string, variable: string): IEnvVar => ({
  name: variable,
  valueFrom: { secretKeyRef: { name: secretName, key: variable } },
});

/**
 * The model's env as EnvVars. A value that is one secret becomes a secretKeyRef; a value that embeds secrets
 * (DATABASE_URL) uses Kubernetes' `$(VAR)` expansion of a secretKeyRef defined before it. Kubernetes cannot
 * URL-encode, so a password embedded in a URL must be URL-safe (openssl rand -hex 24 is).
 */
export function envVars(env: Record<string, string>, secretName: string): IEnvVar[] {
  const direct = new Map<string, IEnvVar>();
  const plain: IEnvVar[] = [];
  for (const [name, value] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) {
    const whole = WHOLE_PLACEHOLDER.exec(value);
    if (whole && whole[1] === name) direct.set(name, secretRef(secretName, name));
    else if (whole) plain.push({ name, valueFrom: secretRef(secretName, whole[1]!).valueFrom });
    else if (value.includes("{{secret:")) plain.push({ name, value: expand(value, direct, secretName) });
    else plain.push({ name, value });
  }
  // References first: `$(VAR)` only expands variables defined earlier in the list.
  return [...[...direct.values()].sort((a, b) => a.name.localeCompare(b.name)), ...plain];
}

function expand(value: string, direct: Map<string, IEnvVar>, secretName: string): string {
  return value.replace(PLACEHOLDER, (_, variable: string) => {
    if (!direct.has(variable)) direct.set(variable, secretRef(secretName, variable));
    return `$(${variable})`;
  });
}

/** Docker's CMD / CMD-SHELL healthcheck as an exec action. */
const execOf = (test: string[]) => ({ command: test[0] === "CMD-SHELL" ? ["sh", "-c", test.slice(1).join(" ")] : test.slice(1) });

/**
 * Startup, liveness and readiness probes. The startup probe covers the start period, so liveness never
 * restarts a pod that is still starting; HTTP probes go to the separate health app, never the busy workers.
 */
export function probes(h: HealthProbe): Pick<IContainer, "startupProbe" | "livenessProbe" | "readinessProbe"> {
  const action = (path: string): Partial<IProbe> =>
    h.http ? { httpGet: { path, port: h.http.port } } : { exec: execOf(h.test) };
  const period = Math.min(h.intervalSeconds, 10);
  const timing = { timeoutSeconds: h.timeoutSeconds };
  return {
    startupProbe: { ...action(h.http?.liveness ?? ""), ...timing, periodSeconds: period, failureThreshold: Math.ceil(h.startPeriodSeconds / period) + h.retries },
    livenessProbe: { ...action(h.http?.liveness ?? ""), ...timing, periodSeconds: h.intervalSeconds, failureThreshold: h.retries },
    readinessProbe: { ...action(h.http?.readiness ?? ""), ...timing, periodSeconds: period, failureThreshold: 3 },
  };
}

/** `10001:10001` or `999` → uid/gid; a named user can't be checked by Kubernetes' runAsNonRoot. */
function ids(user: string | undefined, fallback: number): { uid: number; gid: number } {
  const [u, g] = (user ?? "").split(":");
  const uid = /^\d+$/.test(u ?? "") ? Number(u) : fallback;
  return { uid, gid: /^\d+$/.test(g ?? "") ? Number(g) : uid };
}

/** Non-root with a numeric uid, seccomp RuntimeDefault, and volumes writable by the service's group. */
export function podSecurity(s: ServiceModel, fallbackUid: number): IPodSecurityContext {
  const { uid, gid } = ids(s.user, fallbackUid);
  return { runAsNonRoot: true, runAsUser: uid, runAsGroup: gid, fsGroup: gid, seccompProfile: { type: "RuntimeDefault" } };
}

/** The model's tmpfs paths as memory-backed emptyDirs (a read-only root still needs a writable /tmp). */
export function tmpfsVolumes(s: ServiceModel): { volumes: IVolume[]; mounts: NonNullable<IContainer["volumeMounts"]> } {
  const named = s.tmpfs.map((path, i) => ({ name: `tmp-${i}`, path }));
  return {
    volumes: named.map((t) => ({ name: t.name, emptyDir: { medium: "Memory", sizeLimit: "64Mi" } })),
    mounts: named.map((t) => ({ name: t.name, mountPath: t.path })),
  };
}

/** Bytes as a Kubernetes quantity: 2147483648 → 2Gi, 1664 MiB → 1664Mi. */
export function quantity(bytes: number): string {
  const units: [string, number][] = [["Gi", 1024 ** 3], ["Mi", 1024 ** 2], ["Ki", 1024]];
  const [unit, size] = units.find(([, size]) => bytes % size === 0) ?? ["", 1];
  return `${bytes / size}${unit}`;
}

export function container(s: ServiceModel, opts: ContainerOptions): IContainer {
  const cpu: Record<string, string> = s.cpus === undefined ? {} : { cpu: String(s.cpus) };
  const memory = quantity(s.memoryBytes);
  return {
    name: s.key,
    image: s.image.name,
    imagePullPolicy: "IfNotPresent",
    args: s.command,
    env: envVars(s.env, opts.secretName),
    ports: s.ports.map((p) => ({ name: p.name, containerPort: p.container, protocol: "TCP" })),
    ...probes(s.health),
    // requests = limits: the pod is Guaranteed QoS, the last to be evicted under node pressure.
    resources: { requests: { ...cpu, memory }, limits: { ...(opts.cpuLimit ? cpu : {}), memory } },
    securityContext: {
      allowPrivilegeEscalation: !s.noNewPrivileges,
      readOnlyRootFilesystem: s.readOnlyRootFs,
      runAsNonRoot: true,
      capabilities: { drop: s.dropCapabilities },
      seccompProfile: { type: "RuntimeDefault" },
    },
    volumeMounts: [...tmpfsVolumes(s).mounts, ...(opts.mounts ?? []), ...s.volumes.flatMap((v) => (v.volume ? [{ name: v.volume, mountPath: v.path }] : []))],
  };
}
