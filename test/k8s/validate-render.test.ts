// Strict offline schema validation of every rendered object, and byte-stable YAML.
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { Deployment } from "kubernetes-models/apps/v1";
import { buildManifests } from "../../lib/k8s/manifests.ts";
import { renderSplit, renderStream } from "../../lib/k8s/render.ts";
import { unknownFields, validateManifests } from "../../lib/k8s/validate.ts";
import { ExternalSecret } from "../../lib/k8s/external-secret.ts";
import { shipped } from "../support/specs.ts";

describe("strict schema validation", () => {
  it("every object of prod-k8s (and of the in-cluster variant) passes", () => {
    expect(validateManifests(buildManifests(shipped("prod-k8s")))).toEqual([]);
    const env = shipped("prod-k8s");
    env.spec.kubernetes.postgres = { mode: "statefulset", storage: "20Gi" };
    env.spec.kubernetes.redis = { mode: "statefulset", storage: "1Gi" };
    delete env.spec.kubernetes.ingress;
    delete env.spec.kubernetes.secrets.external;
    const objects = buildManifests(env);
    expect(objects.map((o) => o.kind)).toContain("StatefulSet");
    expect(validateManifests(objects)).toEqual([]);
  });

  it("an unknown field anywhere is an error, with its path (kubernetes-models alone accepts it)", () => {
    const objects = buildManifests(shipped("prod-k8s"));
    const d = objects.find((o) => o.kind === "Deployment") as Deployment;
    (d.spec!.template.spec!.containers[0] as unknown as Record<string, unknown>).livenesProbe = { httpGet: { path: "/", port: 4001 } };
    (d.spec!.template.spec!.containers[0]!.resources as Record<string, unknown>).limit = { cpu: "1" };
    expect(() => d.validate()).not.toThrow();
    expect(unknownFields(d).map((i) => i.path).sort()).toEqual(["spec.template.spec.containers[0].livenesProbe", "spec.template.spec.containers[0].resources.limit"]);
    expect(validateManifests(objects).map((i) => i.object)).toEqual(["Deployment/gateway", "Deployment/gateway"]);
  });

  it("a wrong type is an error too", () => {
    const objects = buildManifests(shipped("prod-k8s"));
    const d = objects.find((o) => o.kind === "Deployment") as Deployment;
    (d.spec as unknown as Record<string, unknown>).replicas = "3";
    expect(validateManifests(objects)[0]!.message).toMatch(/replicas must be integer/);
  });

  it("the ExternalSecret (a custom resource) is checked strictly by its own schema", () => {
    const es = buildManifests(shipped("prod-k8s")).find((o) => o.kind === "ExternalSecret") as ExternalSecret;
    expect(() => es.validate()).not.toThrow();
    (es.spec.secretStoreRef as Record<string, unknown>).namespace = "vault";
    expect(() => es.validate()).toThrow(/secretStoreRef/);
  });
});

describe("rendering", () => {
  it("rendering twice gives identical bytes, and the YAML reads back as the objects", () => {
    const a = renderStream(buildManifests(shipped("prod-k8s")));
    const b = renderStream(buildManifests(shipped("prod-k8s")));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const docs = parseAllDocuments(a).map((d) => d.toJS());
    expect(docs.map((d) => d.kind)).toEqual(buildManifests(shipped("prod-k8s")).map((o) => o.kind));
    expect(docs).toEqual(JSON.parse(JSON.stringify(buildManifests(shipped("prod-k8s")))));
  });

  it("sorts keys, quotes strings Kubernetes' YAML 1.1 reader would take for booleans, and carries no timestamp", () => {
    const text = renderStream(buildManifests(shipped("prod-k8s")));
    expect(text).toMatch(/^apiVersion: apps\/v1\nkind: Deployment\nmetadata:/m);
    expect(text).toContain('nginx.ingress.kubernetes.io/proxy-buffering: "off"');
    expect(text).not.toMatch(/creationTimestamp|\d{4}-\d{2}-\d{2}T\d{2}:/);
  });

  it("--split: one file per kind, numbered in apply order, together the same objects", () => {
    const objects = buildManifests(shipped("prod-k8s"));
    const files = renderSplit(objects);
    expect([...files.keys()]).toEqual([
      "01-namespace.yaml", "02-externalsecret.yaml", "03-configmap.yaml", "04-deployment.yaml", "05-service.yaml",
      "06-poddisruptionbudget.yaml", "07-horizontalpodautoscaler.yaml", "08-ingress.yaml", "09-networkpolicy.yaml",
    ]);
    const all = [...files.values()].flatMap((t) => parseAllDocuments(t).map((d) => d.toJS()));
    expect(all.length).toBe(objects.length);
  });
});
