import { Network } from "@cdktf/provider-docker/lib/network/index.js";
import { Construct } from "constructs";

export interface GatekitNetworkProps {
  name: string;
  /** Internal networks have no route out: only the containers on them can talk to each other. */
  internal: boolean;
}

export class GatekitNetwork extends Construct {
  readonly network: Network;

  constructor(scope: Construct, id: string, props: GatekitNetworkProps) {
    super(scope, id);
    this.network = new Network(this, "network", { name: props.name, internal: props.internal, checkDuplicate: true });
    this.network.overrideLogicalId(id);
  }
}
