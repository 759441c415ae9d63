// One Kubernetes environment = one TerraformStack with its own state: the kubernetes provider and one
// kubernetes_manifest per rendered object. The objects carry no secret values (Secrets are referenced by
// name), so unlike the Docker stack this one has no sensitive inputs at all.
import { Manifest } from "@cdktf/provider-kubernetes/lib/manifest/index.js";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider/index.js";
import { LocalBackend, RemoteBackend, S3Backend, TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import type { KubernetesEnvironment } from "../spec/schema.ts";
import { buildManifests, type KubeObject } from "./manifests.ts";

/** The hashicorp/kubernetes version @cdktf/provider-kubernetes 12.1.1 was generated from, pinned exactly. */
export const KUBERNETES_PROVIDER_VERSION = "2.38.0";

/** `Deployment/gateway` → `deployment_gateway`: the Terraform address is a contract; changing it replaces the object. */
export const manifestId = (o: KubeObject) => `${o.kind}_${o.metadata!.name}`.toLowerCase().replace(/[^a-z0-9_]/g, "_");

/** Server-side apply may change these; the HPA owns the gateway's replica count once it runs. */
const COMPUTED = ["metadata.annotations", "metadata.labels"];

export class KubernetesStack extends TerraformStack {
  constructor(scope: Construct, env: KubernetesEnvironment, objects: KubeObject[] = buildManifests(env)) {
    super(scope, env.name);
    const k = env.spec.kubernetes;
    this.backend(env);
    new KubernetesProvider(this, "kubernetes", { configPath: k.provider.config_path, configContext: k.provider.config_context });
    for (const o of objects) this.manifest(o);
    new TerraformOutput(this, "namespace", { value: k.namespace });
    new TerraformOutput(this, "gateway_service", { value: `http://gateway.${k.namespace}.svc.cluster.local:${env.spec.gateway.port}` });
    if (k.ingress) new TerraformOutput(this, "gateway_url", { value: `https://${k.ingress.host}${k.ingress.path}` });
    this.addOverride("terraform.required_providers.kubernetes.source", "hashicorp/kubernetes");
    this.addOverride("terraform.required_providers.kubernetes.version", KUBERNETES_PROVIDER_VERSION);
  }

  private manifest(o: KubeObject) {
    const id = manifestId(o);
    const rolls = o.kind === "Deployment" || o.kind === "StatefulSet";
    const m = new Manifest(this, id, {
      manifest: JSON.parse(JSON.stringify(o)) as Record<string, unknown>,
      fieldManager: { name: "gatekit", forceConflicts: false },
      computedFields: o.kind === "Deployment" ? [...COMPUTED, "spec.replicas"] : COMPUTED,
      // A deploy succeeds only once the new pods are ready (maxUnavailable 0 keeps the old ones serving meanwhile).
      ...(rolls ? { wait: { rollout: true }, timeouts: { create: "15m", update: "15m", delete: "15m" } } : {}),
    });
    m.overrideLogicalId(id);
  }

  private backend(env: KubernetesEnvironment) {
    const s = env.spec.state;
    if (s.backend === "local") new LocalBackend(this, { path: s.path ?? `terraform.${env.name}.tfstate` });
    else if (s.backend === "s3") new S3Backend(this, { bucket: s.bucket, key: s.key, region: s.region });
    else new RemoteBackend(this, { organization: s.organization, workspaces: { name: s.workspace } });
  }
}
