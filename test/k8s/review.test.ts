// Plan review of Kubernetes stacks: replica, image and config changes are in-place updates; a namespace or a
// volume claim taken away is destructive.
import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { KubernetesStack } from "../../lib/k8s/stack.ts";
import { findDestructive } from "../../lib/review/destructive.ts";
import { diffStack, type TfJson } from "../../lib/review/diff.ts";
import type { KubernetesEnvironment } from "../../lib/spec/schema.ts";
import { shipped } from "../support/specs.ts";

const synth = (env: KubernetesEnvironment): TfJson => JSON.parse(Testing.synth(new KubernetesStack(Testing.app(), env)));

function inCluster(): KubernetesEnvironment {
  const env = shipped("prod-k8s");
  env.spec.kubernetes.postgres = { mode: "statefulset", storage: "20Gi" };
  return env;
}

function review(base: KubernetesEnvironment, head: KubernetesEnvironment) {
  const [b, h] = [synth(base), synth(head)];
  const diff = diffStack("prod-k8s", b, h);
  return { diff, destructive: findDestructive(diff, b, h) };
}

describe("review of kubernetes stacks", () => {
  it("replicas, image and config changes are updates in place, and nothing destructive", () => {
    const head = shipped("prod-k8s");
    head.spec.kubernetes.replicas = { min: 4, max: 10 };
    head.spec.gateway.image = { build: "bundled", tag: "registry.example.com/platform/gatekit-gateway:0.2.0" };
    head.spec.litellm.router_settings.cooldown_time = 60;
    const { diff, destructive } = review(shipped("prod-k8s"), head);
    const deployment = diff.resources.find((r) => r.address === "kubernetes_manifest.deployment_gateway")!;
    expect(deployment.action).toBe("update");
    const paths = deployment.changes.map((c) => c.path);
    expect(paths).not.toContain("manifest.spec.replicas"); // the HPA owns the count, not the Deployment
    expect(paths).toContain("manifest.spec.template.spec.containers[0].image");
    expect(paths).toContain("manifest.spec.template.metadata.annotations.checksum/config");
    expect(diff.resources.find((r) => r.address === "kubernetes_manifest.configmap_gateway_config")!.action).toBe("update");
    expect(diff.resources.find((r) => r.address === "kubernetes_manifest.horizontalpodautoscaler_gateway")!.changes.map((c) => c.path)).toEqual(["manifest.spec.minReplicas"]);
    expect(destructive).toEqual([]);
  });

  it("a renamed namespace replaces everything in it and is destructive", () => {
    const head = shipped("prod-k8s");
    head.spec.kubernetes.namespace = "gatekit-production";
    const { diff, destructive } = review(shipped("prod-k8s"), head);
    expect(diff.resources.find((r) => r.address === "kubernetes_manifest.namespace_gatekit_prod")!.action).toBe("delete");
    expect(diff.resources.find((r) => r.address === "kubernetes_manifest.deployment_gateway")).toMatchObject({ action: "replace", forcedBy: ["manifest.metadata.namespace"] });
    expect(destructive).toContainEqual(expect.objectContaining({ kind: "namespace-removed", address: "kubernetes_manifest.namespace_gatekit_prod" }));
  });

  it("moving Postgres from the cluster to a managed service removes its volume claim: destructive", () => {
    const head = shipped("prod-k8s");
    const { destructive } = review(inCluster(), head);
    expect(destructive).toContainEqual(expect.objectContaining({ kind: "volume-claim-removed", address: "kubernetes_manifest.statefulset_postgres" }));
  });

  it("a changed volume claim template forces a new StatefulSet (the claim, kept by name, is reused); a memory change is an update", () => {
    const head = inCluster();
    head.spec.kubernetes.postgres = { mode: "statefulset", storage: "50Gi" };
    const r = review(inCluster(), head);
    expect(r.diff.resources.find((x) => x.address === "kubernetes_manifest.statefulset_postgres")).toMatchObject({ action: "replace", forcedBy: ["manifest.spec.volumeClaimTemplates"] });
    const mem = inCluster();
    mem.spec.postgres.memory_limit = 2 * 1024 ** 3;
    const m = review(inCluster(), mem);
    expect(m.diff.resources.find((x) => x.address === "kubernetes_manifest.statefulset_postgres")!.action).toBe("update");
    expect(m.destructive).toEqual([]);
  });
});
