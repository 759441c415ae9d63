// The Kubernetes stack (cdktf → kubernetes_manifest through @cdktf/provider-kubernetes), the CLI (synth,
// render, validate) and the spec's target rules — with a leak test over everything written.
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { KubernetesStack } from "../../lib/k8s/stack.ts";
import { loadEnvironment, SpecError } from "../../lib/spec/load.ts";
import { gatekit } from "../support/cli.ts";
import { shipped } from "../support/specs.ts";
import { TEST_VARS } from "../support/vars.ts";

type Json = Record<string, any>;
const CANARIES = { ...TEST_VARS, LITELLM_MASTER_KEY: "sk-leak-canary-master-key-000000000000", POSTGRES_PASSWORD: "leak-canary-pg-password" };

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]));
}

describe("KubernetesStack", () => {
  const json: Json = JSON.parse(Testing.synth(new KubernetesStack(Testing.app(), shipped("prod-k8s"))));
  const manifests: Json = json.resource.kubernetes_manifest;

  it("pins hashicorp/kubernetes exactly, keeps its own state, and reaches the cluster by kubeconfig context", () => {
    expect(json.terraform.required_providers.kubernetes).toEqual({ source: "hashicorp/kubernetes", version: "2.38.0" });
    expect(json.terraform.backend.local.path).toBe("terraform.prod-k8s.tfstate");
    expect(json.provider.kubernetes).toEqual([{ config_path: "~/.kube/config", config_context: "prod-eu-west-1" }]);
  });

  it("one kubernetes_manifest per object, addressed by kind and name, manifests kept as Kubernetes writes them", () => {
    expect(Object.keys(manifests).sort()).toEqual([
      "configmap_gateway_config", "deployment_gateway", "externalsecret_gatekit_prod_secrets", "horizontalpodautoscaler_gateway",
      "ingress_gateway", "namespace_gatekit_prod", "networkpolicy_default_deny_ingress", "networkpolicy_gateway_ingress",
      "poddisruptionbudget_gateway", "service_gateway", "service_gateway_health",
    ]);
    const d = manifests.deployment_gateway;
    expect(d.manifest.apiVersion).toBe("apps/v1");
    expect(d.manifest.spec.template.spec.topologySpreadConstraints).toHaveLength(2);
    expect(d.wait).toEqual({ rollout: true });
    expect(d.computed_fields).toContain("spec.replicas");
  });

  it("has no secret inputs at all: nothing sensitive passes through Terraform", () => {
    expect(json.variable).toBeUndefined();
  });
});

describe("gatekit CLI on kubernetes", () => {
  it("synth prod-k8s writes the stack; no secret value anywhere under the output", async () => {
    const out = mkdtempSync(join(tmpdir(), "gatekit-k8s-synth-"));
    const r = await gatekit(["synth", "prod-k8s", "--out", out], { env: CANARIES });
    expect(r.exitCode, r.stderr).toBe(0);
    const files = walk(out);
    expect(files.some((f) => f.endsWith(join("prod-k8s", "cdk.tf.json")))).toBe(true);
    for (const f of files) for (const secret of Object.values(CANARIES)) expect(readFileSync(f, "utf8").includes(secret), `${secret} in ${f}`).toBe(false);
  }, 60_000);

  it("render prints YAML identical run to run, with no secret value; --split writes one file per kind", async () => {
    const [a, b] = await Promise.all([1, 2].map(() => gatekit(["render", "prod-k8s", "--format", "yaml"], { env: CANARIES })));
    expect(a!.exitCode, a!.stderr).toBe(0);
    expect(a!.stdout).toContain("kind: HorizontalPodAutoscaler");
    expect(a!.stdout).toBe(b!.stdout);
    for (const secret of Object.values(CANARIES)) expect(a!.stdout).not.toContain(secret);
    const out = mkdtempSync(join(tmpdir(), "gatekit-render-"));
    const split = await gatekit(["render", "prod-k8s", "--format", "yaml", "--out", out, "--split"], { env: CANARIES });
    expect(split.exitCode, split.stderr).toBe(0);
    expect(readdirSync(join(out, "prod-k8s"))).toContain("04-deployment.yaml");
  }, 60_000);

  it("render refuses a docker environment (exit 2) and an unknown format (exit 2)", async () => {
    expect((await gatekit(["render", "prod", "--format", "yaml"], { env: TEST_VARS })).exitCode).toBe(2);
    expect((await gatekit(["render", "prod-k8s", "--format", "json"], { env: TEST_VARS })).exitCode).toBe(2);
  }, 60_000);

  it("validate prints the HPA arithmetic and the schema check for prod-k8s", async () => {
    const r = await gatekit(["validate", "prod-k8s"], { env: TEST_VARS });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("database connections: 10 pool × 4 workers × (10 replicas (HPA max) + 1 rolling-update surge) + 10 reserved = 450 ≤ max_connections 500");
    expect(r.stdout).toMatch(/kubernetes manifests: 11 objects, strict schema validation \(Kubernetes 1\.33 schemas; for 1\.25–1\.33\): ok/);
  }, 60_000);

  it("an HPA maximum that would exhaust Postgres: validate, synth and render exit 1 with the arithmetic", async () => {
    const spec = "test/fixtures/specs/prod-k8s-20.yaml";
    const arithmetic = "10 pool × 4 workers × (20 replicas (HPA max) + 1 rolling-update surge) + 10 reserved = 850 > max_connections 500";
    const v = await gatekit(["validate", spec], { env: TEST_VARS });
    expect(v.exitCode).toBe(1);
    expect(v.stdout).toContain(`DbConnectionBudget ${spec} postgres.max_connections: ${arithmetic}`);
    const out = mkdtempSync(join(tmpdir(), "gatekit-k8s-refuse-"));
    const s = await gatekit(["synth", spec, "--out", out], { env: TEST_VARS });
    expect(s.exitCode).toBe(1);
    expect(s.stderr).toContain(arithmetic);
    expect(walk(out).filter((f) => f.endsWith("cdk.tf.json"))).toEqual([]);
    const r = await gatekit(["render", spec, "--format", "yaml"], { env: TEST_VARS });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe("");
  }, 60_000);
});

describe("spec targets", () => {
  const dir = mkdtempSync(join(tmpdir(), "gatekit-target-"));
  const issuesOf = (text: string) => {
    const file = join(dir, "t.yaml");
    writeFileSync(file, text);
    try {
      loadEnvironment(file);
    } catch (e) {
      return (e as SpecError).issues;
    }
    throw new Error("expected a refusal");
  };
  const k8s = readFileSync("environments/prod-k8s.yaml", "utf8");
  const docker = readFileSync("environments/prod.yaml", "utf8");

  it("a docker-only key on a kubernetes spec is named as such", () => {
    const issues = issuesOf(k8s.replace("gateway:\n", "host: { cpus: 4, memory: 8g }\ngateway:\n  instances: 3\n"));
    expect(issues).toContainEqual(expect.objectContaining({ path: "host", message: expect.stringMatching(/host applies to target: docker only \(this spec has target: kubernetes\)/) }));
    expect(issues).toContainEqual(expect.objectContaining({ path: "gateway.instances", message: expect.stringMatching(/applies to target: docker only/) }));
  });

  it("a kubernetes section on a docker spec is named as such, and an unknown target is refused", () => {
    const issues = issuesOf(`${docker}kubernetes: { namespace: x }\n`);
    expect(issues).toContainEqual(expect.objectContaining({ path: "kubernetes", message: expect.stringMatching(/applies to target: kubernetes only \(this spec has target: docker\)/) }));
    expect(issuesOf(`target: swarm\n${docker}`)[0]!.message).toMatch(/target must be docker or kubernetes/);
  });

  it("replicas.min above max is refused", () => {
    expect(issuesOf(k8s.replace("replicas: { min: 3, max: 10 }", "replicas: { min: 12, max: 10 }"))).toContainEqual(
      expect.objectContaining({ path: "kubernetes.replicas", message: expect.stringMatching(/must not exceed/) }),
    );
  });
});
