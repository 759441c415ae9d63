// The Kubernetes objects of prod-k8s (managed data services) and of an in-cluster variant (StatefulSets): what
// each safeguard of the issue looks like in the rendered objects.
import { describe, expect, it } from "vitest";
import { buildManifests, CONFIG_CHECKSUM, type KubeObject } from "../../lib/k8s/manifests.ts";
import type { KubernetesEnvironment } from "../../lib/spec/schema.ts";
import { shipped } from "../support/specs.ts";

type Json = Record<string, any>;
const json = (objects: KubeObject[]) => objects.map((o) => JSON.parse(JSON.stringify(o)) as Json);
const find = (objects: Json[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name)!;

function inCluster(): KubernetesEnvironment {
  const env = shipped("prod-k8s");
  env.spec.kubernetes.postgres = { mode: "statefulset", storage: "50Gi", storage_class: "gp3" };
  env.spec.kubernetes.redis = { mode: "statefulset", storage: "2Gi" };
  return env;
}

describe("kubernetes manifests (prod-k8s)", () => {
  const env = shipped("prod-k8s");
  const objects = json(buildManifests(env));
  const deployment = find(objects, "Deployment", "gateway");
  const pod = deployment.spec.template.spec;
  const gw = pod.containers[0];

  it("puts everything in the environment's namespace, created first", () => {
    expect(objects[0]).toMatchObject({ kind: "Namespace", metadata: { name: "gatekit-prod" } });
    for (const o of objects.slice(1)) expect(o.metadata.namespace).toBe("gatekit-prod");
  });

  it("labels the namespace to enforce, warn and audit the restricted Pod Security Standard, each pinned to a version", () => {
    expect(objects[0]!.metadata.labels).toMatchObject({
      "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "v1.34",
      "pod-security.kubernetes.io/warn": "restricted", "pod-security.kubernetes.io/warn-version": "v1.34",
      "pod-security.kubernetes.io/audit": "restricted", "pod-security.kubernetes.io/audit-version": "v1.34",
    });
  });

  it("pod_security in the spec: another level or version is enforced as written; managed: false sets no PodSecurity label", () => {
    const relaxed = shipped("prod-k8s");
    relaxed.spec.kubernetes.pod_security = { enforce: "baseline", version: "v1.33", managed: true };
    const labels = json(buildManifests(relaxed))[0]!.metadata.labels as Record<string, string>;
    expect(labels["pod-security.kubernetes.io/enforce"]).toBe("baseline");
    expect(labels["pod-security.kubernetes.io/warn"]).toBe("restricted");
    expect(labels["pod-security.kubernetes.io/audit-version"]).toBe("v1.33");
    const unmanaged = shipped("prod-k8s");
    unmanaged.spec.kubernetes.pod_security.managed = false;
    const none = Object.keys(json(buildManifests(unmanaged))[0]!.metadata.labels).filter((k) => k.startsWith("pod-security."));
    expect(none).toEqual([]);
  });

  it("rolls out without dropping below current capacity, and drains before stopping", () => {
    expect(deployment.spec.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    // The HPA owns the count: a pinned spec.replicas would scale back on every sync.
    expect(deployment.spec).not.toHaveProperty("replicas");
    expect(find(objects, "HorizontalPodAutoscaler", "gateway").spec).toMatchObject({ minReplicas: 3, maxReplicas: 10 });
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(env.spec.gateway.graceful_shutdown_timeout);
    expect(gw.lifecycle.preStop.exec.command).toEqual(["sleep", "10"]);
  });

  it("probes the separate health app, with timeouts ≥ 10 s and a startup probe covering the start period", () => {
    for (const probe of [gw.startupProbe, gw.livenessProbe, gw.readinessProbe]) {
      expect(probe.httpGet.port).toBe(env.spec.gateway.health_port);
      expect(probe.timeoutSeconds).toBeGreaterThanOrEqual(10);
    }
    expect(gw.livenessProbe.httpGet.path).toBe("/health/liveliness");
    expect(gw.startupProbe.periodSeconds * gw.startupProbe.failureThreshold).toBeGreaterThanOrEqual(env.spec.gateway.healthcheck.start_period);
    // allow_requests_on_db_unavailable: readiness must not follow the database, or a Postgres outage empties the Service.
    expect(gw.readinessProbe.httpGet.path).toBe("/health/liveliness");
    const strict = shipped("prod-k8s");
    strict.spec.litellm.general_settings.allow_requests_on_db_unavailable = false;
    expect(json(buildManifests(strict)).find((o) => o.kind === "Deployment")!.spec.template.spec.containers[0].readinessProbe.httpGet.path).toBe("/health/readiness");
  });

  it("requests = limits: CPU = num_workers, memory = the gateway's limit (Guaranteed QoS)", () => {
    expect(gw.resources).toEqual({ requests: { cpu: "4", memory: "2Gi" }, limits: { cpu: "4", memory: "2Gi" } });
  });

  it("runs non-root with a read-only root, no capabilities and seccomp RuntimeDefault", () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } });
    expect(gw.securityContext).toEqual({
      allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true,
      capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  it("spreads replicas across zones and nodes", () => {
    expect(pod.topologySpreadConstraints.map((c: Json) => c.topologyKey)).toEqual(["topology.kubernetes.io/zone", "kubernetes.io/hostname"]);
    for (const c of pod.topologySpreadConstraints) expect(c.labelSelector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
  });

  it("mounts config.yaml from a ConfigMap whose checksum is a pod annotation", () => {
    const cm = find(objects, "ConfigMap", "gateway-config");
    expect(cm.data["config.yaml"]).toContain("model_list");
    expect(gw.volumeMounts).toContainEqual({ name: "config", mountPath: "/app/config/config.yaml", subPath: "config.yaml", readOnly: true });
    expect(deployment.spec.template.metadata.annotations[CONFIG_CHECKSUM]).toMatch(/^[0-9a-f]{64}$/);
  });

  it("a config change changes the checksum annotation (the pods roll); an unrelated change does not", () => {
    const checksum = (e: KubernetesEnvironment) => find(json(buildManifests(e)), "Deployment", "gateway").spec.template.metadata.annotations[CONFIG_CHECKSUM];
    const before = checksum(shipped("prod-k8s"));
    const changed = shipped("prod-k8s");
    changed.spec.litellm.router_settings.cooldown_time = 60;
    expect(checksum(changed)).not.toBe(before);
    const scaled = shipped("prod-k8s");
    scaled.spec.kubernetes.replicas.max = 8;
    expect(checksum(scaled)).toBe(before);
  });

  it("references secrets by name only: secretKeyRefs, and $(VAR) for the database URL", () => {
    const byName = Object.fromEntries(gw.env.map((e: Json) => [e.name, e]));
    expect(byName.LITELLM_MASTER_KEY.valueFrom).toEqual({ secretKeyRef: { name: "gatekit-prod-secrets", key: "LITELLM_MASTER_KEY" } });
    expect(byName.DATABASE_URL.value).toBe("postgresql://litellm:$(POSTGRES_PASSWORD)@gatekit-prod.c9akciq32.eu-west-1.rds.amazonaws.com:5432/litellm");
    const names = gw.env.map((e: Json) => e.name);
    expect(names.indexOf("POSTGRES_PASSWORD")).toBeLessThan(names.indexOf("DATABASE_URL"));
    expect(byName.REDIS_HOST.value).toBe("gatekit-prod.x1y2z3.ng.0001.euw1.cache.amazonaws.com");
    expect(objects.some((o) => o.kind === "Secret")).toBe(false);
    const es = find(objects, "ExternalSecret", "gatekit-prod-secrets");
    expect(es.spec.target.name).toBe("gatekit-prod-secrets");
    expect(es.spec.data.map((d: Json) => d.secretKey)).toEqual(["GEMINI_API_KEY", "LITELLM_MASTER_KEY", "LITELLM_SALT_KEY", "OLLAMA_API_KEY", "POSTGRES_PASSWORD", "REDIS_PASSWORD", "VOYAGE_API_KEY"]);
  });

  it("has Services for the API and health ports, a PDB, an HPA with the spec's bounds and the Ingress", () => {
    expect(find(objects, "Service", "gateway").spec.ports).toEqual([{ name: "api", port: 4000, targetPort: "api", protocol: "TCP" }]);
    expect(find(objects, "Service", "gateway-health").spec.ports[0].port).toBe(4001);
    expect(find(objects, "PodDisruptionBudget", "gateway").spec).toMatchObject({ maxUnavailable: 1, selector: deployment.spec.selector });
    expect(find(objects, "HorizontalPodAutoscaler", "gateway").spec).toMatchObject({ minReplicas: 3, maxReplicas: 10, scaleTargetRef: { kind: "Deployment", name: "gateway" } });
    const ing = find(objects, "Ingress", "gateway");
    expect(ing.spec).toMatchObject({ ingressClassName: "nginx", tls: [{ hosts: ["llm.example.com"], secretName: "gatekit-prod-tls" }] });
    // request_timeout 600 s is per attempt: 600 × (1 + 3 retries) × (1 + 2 fallbacks) = 7200 s, plus a 60 s margin.
    expect(ing.metadata.annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]).toBe("7260");
    expect(ing.metadata.annotations["nginx.ingress.kubernetes.io/proxy-send-timeout"]).toBe("7260");
  });

  it("the ingress waits as long as the gateway may retry: fewer retries and fallbacks, a shorter timeout", () => {
    const env = shipped("prod-k8s");
    env.spec.litellm.router_settings.num_retries = 0;
    env.spec.litellm.router_settings.max_fallbacks = 0;
    const ing = find(json(buildManifests(env)), "Ingress", "gateway");
    expect(ing.metadata.annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]).toBe("660");
  });

  it("managed Postgres and Redis: no StatefulSet, no volume claim", () => {
    expect(objects.filter((o) => o.kind === "StatefulSet")).toEqual([]);
  });
});

describe("kubernetes manifests, in-cluster data services", () => {
  const objects = json(buildManifests(inCluster()));
  const gatewayLabels = find(objects, "Deployment", "gateway").spec.template.metadata.labels;

  it("runs Postgres 16 and Redis 7 as StatefulSets with volume claims that outlive them", () => {
    const pg = find(objects, "StatefulSet", "postgres");
    expect(pg.spec.template.spec.containers[0].image).toBe("postgres:16.4");
    expect(pg.spec.template.spec.containers[0].args).toEqual(["postgres", "-c", "max_connections=500"]);
    expect(pg.spec.volumeClaimTemplates[0]).toMatchObject({ metadata: { name: "data" }, spec: { storageClassName: "gp3", resources: { requests: { storage: "50Gi" } } } });
    expect(pg.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: "Retain", whenScaled: "Retain" });
    expect(pg.spec.template.spec.containers[0].env).toContainEqual({ name: "POSTGRES_PASSWORD", valueFrom: { secretKeyRef: { name: "gatekit-prod-secrets", key: "POSTGRES_PASSWORD" } } });
    const redis = find(objects, "StatefulSet", "redis");
    expect(redis.spec.template.spec.containers[0].image).toBe("redis:7.2.5");
    expect(redis.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe("2Gi");
    const db = find(objects, "Deployment", "gateway").spec.template.spec.containers[0].env.find((e: Json) => e.name === "DATABASE_URL");
    expect(db.value).toBe("postgresql://litellm:$(POSTGRES_PASSWORD)@postgres:5432/litellm");
  });

  it("lets only the gateway's pods reach Postgres and Redis, behind a default-deny", () => {
    expect(find(objects, "NetworkPolicy", "default-deny-ingress").spec).toEqual({ podSelector: {}, policyTypes: ["Ingress"] });
    for (const name of ["postgres", "redis"]) {
      const policy = find(objects, "NetworkPolicy", `${name}-from-gateway`);
      expect(policy.spec.podSelector.matchLabels).toEqual(find(objects, "StatefulSet", name).spec.selector.matchLabels);
      expect(policy.spec.ingress).toHaveLength(1);
      for (const [k, v] of Object.entries(policy.spec.ingress[0].from[0].podSelector.matchLabels)) expect(gatewayLabels[k]).toBe(v);
    }
  });
});
