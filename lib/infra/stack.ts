// One environment = one TerraformStack with its own state: provider, secret inputs, networks, volumes,
// images and containers, mapped from the deployment model.
import { DockerProvider } from "@cdktf/provider-docker/lib/provider/index.js";
import { Volume } from "@cdktf/provider-docker/lib/volume/index.js";
import { Fn, LocalBackend, RemoteBackend, S3Backend, TerraformOutput, TerraformStack, type ITerraformDependable } from "cdktf";
import type { Construct } from "constructs";
import type { DockerDeployment } from "../model/types.ts";
import { ServiceImage } from "./image.ts";
import { GatekitNetwork } from "./network.ts";
import { SecretInputs } from "./secrets.ts";
import { ServiceContainer } from "./service.ts";

/** The Docker provider version @cdktf/provider-docker 12.0.3 was generated from, pinned exactly. */
export const DOCKER_PROVIDER_VERSION = "3.6.2";

export class EnvironmentStack extends TerraformStack {
  constructor(scope: Construct, model: DockerDeployment) {
    super(scope, model.environment);
    this.backend(model);
    new DockerProvider(this, "docker", { host: model.dockerHost });
    const secrets = new SecretInputs(this, "secrets", { variables: model.secrets });
    const networks = new Map<string, ITerraformDependable>(
      model.networks.map((n) => [n.name, new GatekitNetwork(this, `network_${n.key}`, n).network]),
    );
    const volumes = model.managedVolumes.map((v) => new Volume(this, `volume_${v.key}`, { name: v.name }));
    volumes.forEach((v, i) => v.overrideLogicalId(`volume_${model.managedVolumes[i]!.key}`));
    const images = new Map<string, string>();
    const containers = new Map<string, ServiceContainer>();
    for (const service of model.services) {
      const imageKey = `${service.image.kind}:${service.image.name}`;
      if (!images.has(imageKey)) images.set(imageKey, new ServiceImage(this, `image_${service.role}`, service.image).ref);
      const dependsOn = [...service.dependsOn.map((k) => containers.get(k)!.container), ...volumes];
      containers.set(service.key, new ServiceContainer(this, service.key, { service, image: images.get(imageKey)!, secrets, networks, dependsOn }));
    }
    new TerraformOutput(this, "gateway_urls", { value: model.endpoints.gateway });
    new TerraformOutput(this, "health_urls", { value: model.endpoints.health });
    new TerraformOutput(this, "salt_key_fingerprint", {
      description: "SHA-256 of the salt key (never the key): compare with environments/<env>.salt.json",
      value: Fn.nonsensitive(Fn.sha256(secrets.variable(model.saltKeyVariable).stringValue)),
    });
    this.addOverride("terraform.required_providers.docker.version", DOCKER_PROVIDER_VERSION);
  }

  private backend(model: DockerDeployment) {
    const s = model.state;
    if (s.backend === "local") new LocalBackend(this, { path: s.path ?? `terraform.${model.environment}.tfstate` });
    else if (s.backend === "s3") new S3Backend(this, { bucket: s.bucket, key: s.key, region: s.region });
    else new RemoteBackend(this, { organization: s.organization, workspaces: { name: s.workspace } });
  }
}
