// Where a service's image comes from: built by the provider from a template of this repository, a pinned
// registry reference (pulled when missing), or a tag `gatekit images build` made on the engine (present, so
// never pulled).
import { Image } from "@cdktf/provider-docker/lib/image/index.js";
import { Construct } from "constructs";
import type { ImageSource } from "../model/types.ts";

/** Stacks are synthesized to cdktf.out/stacks/<env>; the build context is the repository root. */
const REPO_ROOT = "${path.module}/../../..";

export class ServiceImage extends Construct {
  /** The image reference a container runs. */
  readonly ref: string;

  constructor(scope: Construct, id: string, source: ImageSource) {
    super(scope, id);
    const build = source.kind === "build"
      ? { context: REPO_ROOT, dockerfile: source.dockerfile!, buildArgs: source.buildArgs, tag: [source.name] }
      : undefined;
    const image = new Image(this, "image", { name: source.name, keepLocally: true, buildAttribute: build });
    image.overrideLogicalId(id);
    this.ref = image.imageId;
  }
}
