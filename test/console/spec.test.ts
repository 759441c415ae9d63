// gateway.ui in the spec: the gateway's GATEKIT_UI on Docker and Kubernetes, and /ui through an Ingress
// whose path would not cover it.
import { describe, expect, it } from "vitest";
import { buildManifests } from "../../lib/k8s/manifests.ts";
import { resolveEnvironment } from "../../lib/model/resolve.ts";
import type { KubernetesEnvironment } from "../../lib/spec/schema.ts";
import { shipped } from "../support/specs.ts";

const gatewayEnv = (env: Parameters<typeof resolveEnvironment>[0]) => resolveEnvironment(env).services.find((s) => s.role === "gateway")!.env;
const ingressPaths = (env: KubernetesEnvironment) =>
  (buildManifests(env).find((o) => o.kind === "Ingress") as unknown as { spec: { rules: { http: { paths: { path: string }[] } }[] } }).spec.rules[0]!.http.paths.map((p) => p.path);

describe("gateway.ui", () => {
  it("is on by default and reaches the gateway as GATEKIT_UI", () => {
    expect(gatewayEnv(shipped("prod")).GATEKIT_UI).toBe("1");
    const off = shipped("prod");
    off.spec.gateway.ui = false;
    expect(gatewayEnv(off).GATEKIT_UI).toBe("0");
    const k8s = shipped("prod-k8s");
    k8s.spec.gateway.ui = false;
    expect(gatewayEnv(k8s).GATEKIT_UI).toBe("0");
  });

  it("adds /ui to an Ingress whose path is not the root, only while the console is on", () => {
    const env = shipped("prod-k8s");
    env.spec.kubernetes.ingress!.path = "/v1";
    expect(ingressPaths(env)).toEqual(["/v1", "/ui"]);
    env.spec.gateway.ui = false;
    expect(ingressPaths(env)).toEqual(["/v1"]);
    env.spec.kubernetes.ingress!.path = "/";
    env.spec.gateway.ui = true;
    expect(ingressPaths(env)).toEqual(["/"]);
  });
});
