// One container of the deployment model: ports on the publish address, probe, volumes, hardening, files.
// Every attribute the provider reads back from the engine is either set to what the engine keeps (so that a plan
// right after an apply is empty) or is one the provider computes itself (test/stacks/drift.test.ts lists them).
import { Container } from "@cdktf/provider-docker/lib/container/index.js";
import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import type { ServiceModel } from "../model/types.ts";
import { ConfigVolume } from "./config-volume.ts";
import type { SecretInputs } from "./secrets.ts";

export interface ServiceContainerProps {
  service: ServiceModel;
  image: string;
  secrets: SecretInputs;
  /** Networks by name, so the container attaches after they exist. */
  networks: Map<string, ITerraformDependable>;
  dependsOn: ITerraformDependable[];
}

const MIB = 1024 ** 2;
const seconds = (n: number) => `${n}s`;

export class ServiceContainer extends Construct {
  readonly container: Container;

  constructor(scope: Construct, id: string, props: ServiceContainerProps) {
    super(scope, id);
    const s = props.service;
    const config = s.files.length ? new ConfigVolume(this, "config", { service: s, image: props.image }) : undefined;
    const memory = Math.floor(s.memoryBytes / MIB);
    this.container = new Container(this, "container", {
      name: s.containerName,
      image: props.image,
      command: s.command,
      env: Object.entries(s.env).map(([k, v]) => `${k}=${props.secrets.resolve(v)}`),
      ports: s.ports.filter((p) => p.host !== undefined).map((p) => ({ internal: p.container, external: p.host!, ip: p.address })),
      healthcheck: {
        test: s.health.test,
        interval: seconds(s.health.intervalSeconds),
        timeout: seconds(s.health.timeoutSeconds),
        startPeriod: seconds(s.health.startPeriodSeconds),
        retries: s.health.retries,
      },
      volumes: [...s.volumes.map((v) => ({ volumeName: v.volume, containerPath: v.path })), ...(config?.mounts ?? [])],
      tmpfs: Object.fromEntries(s.tmpfs.map((path) => [path, "rw,noexec,nosuid,size=64m"])),
      networksAdvanced: s.networks.map((n) => ({ name: n.name, aliases: n.aliases })),
      memory,
      // No swap: a container at its limit is restarted rather than slowing the host down. Unset, the engine
      // makes it twice the memory, the provider reads that back and every plan would show `memory_swap -> null`.
      memorySwap: memory,
      user: s.user,
      readOnly: s.readOnlyRootFs,
      securityOpts: s.noNewPrivileges ? ["no-new-privileges:true"] : [],
      capabilities: { drop: s.dropCapabilities },
      restart: "unless-stopped",
      // A container counts as created only once healthy: the gateway starts against a ready database, and a
      // deploy whose gateway never becomes healthy fails instead of reporting success.
      wait: true,
      waitTimeout: 120,
      mustRun: true,
      stopTimeout: s.stopGraceSeconds,
      destroyGraceSeconds: s.stopGraceSeconds,
      dependsOn: [...s.networks.map((n) => props.networks.get(n.name)!).filter(Boolean), ...props.dependsOn, ...(config ? [config.loader] : [])],
    });
    // The Terraform address is a contract (changing it replaces the container): keep it the model's key.
    this.container.overrideLogicalId(s.key);
    // A changed file replaces the loader; the service must start again to read it. (Written as an override:
    // cdktf's replaceTriggeredBy emits an interpolation, "${docker_container.x}", which Terraform refuses there.)
    if (config) this.container.addOverride("lifecycle.replace_triggered_by", [`docker_container.${config.loader.friendlyUniqueId}`]);
  }
}
