// Deployment model + the spec's kubernetes section → typed Kubernetes objects (kubernetes-models). The Docker
// target maps the same model to containers; here the gateway becomes a Deployment behind an HPA, and the data
// services StatefulSets with volume claims (or managed endpoints, which need no object at all).
import { createHash } from "node:crypto";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Service } from "kubernetes-models/v1/Service";
import type { ITopologySpreadConstraint } from "kubernetes-models/v1/TopologySpreadConstraint";
import type { IVolume } from "kubernetes-models/v1/Volume";
import { resolveEnvironment } from "../model/resolve.ts";
import { proxyTimeoutSeconds } from "../model/timeouts.ts";
import type { KubernetesDeployment, ServiceModel } from "../model/types.ts";
import type { KubernetesEnvironment, KubernetesSpec } from "../spec/schema.ts";
import { ExternalSecret } from "./external-secret.ts";
import { container, PRESTOP_PAUSE_SECONDS, podSecurity, ROLLING_SURGE, tmpfsVolumes } from "./pod.ts";

export type KubeObject =
  | Namespace | ConfigMap | Service | Deployment | StatefulSet | HorizontalPodAutoscaler
  | PodDisruptionBudget | Ingress | NetworkPolicy | ExternalSecret;

type K8sSettings = KubernetesSpec["kubernetes"];

export const CONFIG_CHECKSUM = "checksum/config";
const CONFIG_KEY = "config.yaml";
/** The gateway image's user (templates/gateway.Dockerfile); the data images' postgres/redis user. */
const GATEWAY_UID = 10001;
const DATA_UID = 999;

/** Every object of an environment, in apply order (namespace first). */
export function buildManifests(env: KubernetesEnvironment): KubeObject[] {
  return manifestsFor(resolveEnvironment(env), env.spec.kubernetes, proxyTimeoutSeconds(env.spec));
}

/** `proxyTimeout`: how long the ingress waits for the gateway (the worst case of one request, plus a margin). */
export function manifestsFor(model: KubernetesDeployment, k: K8sSettings, proxyTimeout: number): KubeObject[] {
  const ns = model.namespace;
  const gateway = model.services.find((s) => s.role === "gateway")!;
  const data = model.services.filter((s) => s.role !== "gateway");
  return [
    new Namespace({ metadata: { name: ns, labels: { ...labels(model, "namespace"), ...podSecurityLabels(k.pod_security) } } }),
    ...(k.secrets.external ? [externalSecret(model, k)] : []),
    configMap(model, gateway),
    gatewayDeployment(model, k, gateway),
    ...gatewayServices(model, gateway),
    ...(k.pod_disruption_budget.enabled ? [disruptionBudget(model, k)] : []),
    autoscaler(model, k),
    ...(k.ingress ? [ingress(model, k.ingress, proxyTimeout)] : []),
    ...data.flatMap((s) => [headlessService(model, s), statefulSet(model, k, s)]),
    ...(k.network_policies ? networkPolicies(model, data) : []),
  ];
}

/**
 * PodSecurity admission's namespace labels: the cluster refuses pods above `enforce`, and warns and audits at
 * restricted whatever is enforced; each mode pinned to one policy version.
 */
export function podSecurityLabels(p: K8sSettings["pod_security"]): Record<string, string> {
  if (!p.managed) return {};
  const modes = { enforce: p.enforce, warn: "restricted", audit: "restricted" };
  return Object.fromEntries(Object.entries(modes).flatMap(([mode, level]) => [
    [`pod-security.kubernetes.io/${mode}`, level],
    [`pod-security.kubernetes.io/${mode}-version`, p.version],
  ]));
}

function labels(model: KubernetesDeployment, component: string): Record<string, string> {
  return { ...selector(model, component), "app.kubernetes.io/managed-by": "gatekit", "app.kubernetes.io/part-of": "gatekit" };
}

/** The labels that pick one component's pods; fixed once created (a Deployment's selector is immutable). */
function selector(model: KubernetesDeployment, component: string): Record<string, string> {
  return { "app.kubernetes.io/name": "gatekit", "app.kubernetes.io/instance": model.environment, "app.kubernetes.io/component": component };
}

const meta = (model: KubernetesDeployment, name: string, component: string) => ({ name, namespace: model.namespace, labels: labels(model, component) });

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

function configMap(model: KubernetesDeployment, gateway: ServiceModel): ConfigMap {
  return new ConfigMap({ metadata: meta(model, "gateway-config", "gateway"), data: { [CONFIG_KEY]: gateway.files[0]!.content } });
}

function gatewayDeployment(model: KubernetesDeployment, k: K8sSettings, s: ServiceModel): Deployment {
  const tmp = tmpfsVolumes(s);
  const file = s.files[0]!;
  const main = container(s, {
    secretName: k.secrets.name,
    cpuLimit: k.cpu_limit,
    mounts: [{ name: "config", mountPath: file.path, subPath: CONFIG_KEY, readOnly: true }],
  });
  // The pod stays in the endpoints' removal window for the preStop pause, then gets the whole graceful timeout.
  main.lifecycle = { preStop: { exec: { command: ["sleep", String(PRESTOP_PAUSE_SECONDS)] } } };
  // On a shared claim each pod journals into its own folder, named by $(POD_NAME) (defined before it is used).
  if (model.spendJournal?.kind === "pvc") main.env = [{ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }, ...(main.env ?? [])];
  return new Deployment({
    metadata: meta(model, "gateway", "gateway"),
    spec: {
      // No spec.replicas: the HPA (always rendered, minReplicas = replicas.min) owns the count. A pinned value would
      // scale the Deployment back on every apply or GitOps sync — Kubernetes' advice is to leave it out when an HPA
      // manages it. A new Deployment starts with 1 pod and the HPA raises it to replicas.min at its next sync.
      revisionHistoryLimit: 5,
      selector: { matchLabels: selector(model, "gateway") },
      // Surge first, never below the current capacity: a rollout adds a pod, waits until it is ready, then retires one.
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: ROLLING_SURGE } },
      template: {
        // A changed config.yaml changes this annotation, so the pods roll (subPath mounts never see updates).
        metadata: { labels: labels(model, "gateway"), annotations: { [CONFIG_CHECKSUM]: sha256(file.content) } },
        spec: {
          terminationGracePeriodSeconds: s.stopGraceSeconds + PRESTOP_PAUSE_SECONDS,
          automountServiceAccountToken: false,
          // Service links would inject REDIS_PORT=tcp://… for a Service named redis; the gateway reads REDIS_PORT.
          enableServiceLinks: false,
          securityContext: podSecurity(s, GATEWAY_UID),
          topologySpreadConstraints: spread(model, k),
          containers: [main],
          volumes: [...tmp.volumes, { name: "config", configMap: { name: "gateway-config" } }, ...spendJournalVolume(model)],
        },
      },
    },
  });
}

/** The emptyDir survives the container's restarts in the pod, not the pod (docs/spend.md); the claim survives both. */
function spendJournalVolume(model: KubernetesDeployment): IVolume[] {
  const j = model.spendJournal;
  if (!j) return [];
  return [j.kind === "pvc" ? { name: "spend-journal", persistentVolumeClaim: { claimName: j.claimName } } : { name: "spend-journal", emptyDir: { sizeLimit: j.sizeLimit } }];
}

function spread(model: KubernetesDeployment, k: K8sSettings): ITopologySpreadConstraint[] {
  const labelSelector = { matchLabels: selector(model, "gateway") };
  const out: ITopologySpreadConstraint[] = [];
  // Zones hard (surviving a zone is the point); nodes soft, so more replicas than nodes still schedule.
  if (k.spread.zones) out.push({ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector });
  if (k.spread.nodes) out.push({ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector });
  return out;
}

function gatewayServices(model: KubernetesDeployment, s: ServiceModel): Service[] {
  const svc = (name: string, port: ServiceModel["ports"][number]) =>
    new Service({
      metadata: meta(model, name, "gateway"),
      spec: { type: "ClusterIP", selector: selector(model, "gateway"), ports: [{ name: port.name, port: port.container, targetPort: port.name, protocol: "TCP" }] },
    });
  const port = (name: string) => s.ports.find((p) => p.name === name)!;
  return [svc("gateway", port("api")), svc("gateway-health", port("health"))];
}

function disruptionBudget(model: KubernetesDeployment, k: K8sSettings): PodDisruptionBudget {
  return new PodDisruptionBudget({
    metadata: meta(model, "gateway", "gateway"),
    spec: { maxUnavailable: k.pod_disruption_budget.max_unavailable, selector: { matchLabels: selector(model, "gateway") } },
  });
}

function autoscaler(model: KubernetesDeployment, k: K8sSettings): HorizontalPodAutoscaler {
  return new HorizontalPodAutoscaler({
    metadata: meta(model, "gateway", "gateway"),
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "gateway" },
      minReplicas: model.replicas.min,
      maxReplicas: model.replicas.max,
      metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: k.autoscaling.cpu_utilization } } }],
    },
  });
}

function ingress(model: KubernetesDeployment, i: NonNullable<K8sSettings["ingress"]>, proxyTimeout: number): Ingress {
  // ingress-nginx cuts requests at 60 s and buffers responses by default: long reasoning calls and SSE need neither.
  // request_timeout is per attempt and the gateway retries and falls back within one request, so the ingress waits
  // for the worst case (model/timeouts.ts) plus a margin, never cutting a call the gateway still serves.
  const nginx = i.class_name === "nginx"
    ? {
        "nginx.ingress.kubernetes.io/proxy-read-timeout": String(proxyTimeout),
        "nginx.ingress.kubernetes.io/proxy-send-timeout": String(proxyTimeout),
        "nginx.ingress.kubernetes.io/proxy-buffering": "off",
      }
    : undefined;
  return new Ingress({
    metadata: { ...meta(model, "gateway", "gateway"), ...(nginx ? { annotations: nginx } : {}) },
    spec: {
      ingressClassName: i.class_name,
      tls: [{ hosts: [i.host], secretName: i.tls_secret }],
      rules: [{ host: i.host, http: { paths: [{ path: i.path, pathType: "Prefix", backend: { service: { name: "gateway", port: { name: "api" } } } }] } }],
    },
  });
}

function headlessService(model: KubernetesDeployment, s: ServiceModel): Service {
  return new Service({
    metadata: meta(model, s.key, s.role),
    spec: { clusterIP: "None", selector: selector(model, s.role), ports: s.ports.map((p) => ({ name: p.name, port: p.container, targetPort: p.name, protocol: "TCP" })) },
  });
}

function statefulSet(model: KubernetesDeployment, k: K8sSettings, s: ServiceModel): StatefulSet {
  const tmp = tmpfsVolumes(s);
  const endpoint = s.role === "postgres" ? model.postgres : model.redis!;
  const storage = endpoint.mode === "statefulset" ? endpoint : undefined;
  return new StatefulSet({
    metadata: meta(model, s.key, s.role),
    spec: {
      replicas: 1,
      serviceName: s.key,
      selector: { matchLabels: selector(model, s.role) },
      // Deleting or scaling the StatefulSet never deletes its data: claims are removed only on purpose.
      persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
      template: {
        metadata: { labels: labels(model, s.role) },
        spec: {
          terminationGracePeriodSeconds: s.stopGraceSeconds,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: podSecurity(s, DATA_UID),
          containers: [container(s, { secretName: k.secrets.name, cpuLimit: false })],
          volumes: tmp.volumes,
        },
      },
      volumeClaimTemplates: s.volumes.map((v) => ({
        metadata: { name: v.volume, labels: labels(model, s.role) },
        spec: {
          accessModes: ["ReadWriteOnce"],
          ...(storage?.storageClass ? { storageClassName: storage.storageClass } : {}),
          resources: { requests: { storage: storage?.storage ?? "1Gi" } },
        },
      })),
    },
  });
}

/** Default-deny ingress; the gateway's ports open to clients; each data service open to the gateway only. */
function networkPolicies(model: KubernetesDeployment, data: ServiceModel[]): NetworkPolicy[] {
  const gatewayPods = { podSelector: { matchLabels: selector(model, "gateway") } };
  const gateway = model.services.find((s) => s.role === "gateway")!;
  return [
    new NetworkPolicy({ metadata: meta(model, "default-deny-ingress", "namespace"), spec: { podSelector: {}, policyTypes: ["Ingress"] } }),
    new NetworkPolicy({
      metadata: meta(model, "gateway-ingress", "gateway"),
      spec: { ...gatewayPods, policyTypes: ["Ingress"], ingress: [{ ports: gateway.ports.map((p) => ({ port: p.container, protocol: "TCP" })) }] },
    }),
    ...data.map((s) => new NetworkPolicy({
      metadata: meta(model, `${s.key}-from-gateway`, s.role),
      spec: {
        podSelector: { matchLabels: selector(model, s.role) },
        policyTypes: ["Ingress"],
        ingress: [{ from: [gatewayPods], ports: s.ports.map((p) => ({ port: p.container, protocol: "TCP" })) }],
      },
    })),
  ];
}

function externalSecret(model: KubernetesDeployment, k: K8sSettings): ExternalSecret {
  const ext = k.secrets.external!;
  return new ExternalSecret({
    metadata: meta(model, k.secrets.name, "secrets"),
    spec: {
      refreshInterval: ext.refresh_interval,
      secretStoreRef: { kind: ext.store.kind, name: ext.store.name },
      target: { name: k.secrets.name, creationPolicy: "Owner" },
      data: [...model.secrets].sort().map((v) => ({ secretKey: v, remoteRef: { key: ext.remote_key, property: v } })),
    },
  });
}
