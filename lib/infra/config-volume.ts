// A service's files (the gateway's config.yaml, haproxy.cfg, prometheus.yml) for a container whose root
// filesystem is read-only. The Docker provider uploads each file as one tar archive to the container's `/`, and
// the engine refuses any upload to a read-only root filesystem whose destination (`/`) is not a volume — so the
// files can't be uploaded into the service's own container. Instead they go into a volume of the stack through a
// loader container that is created, never started (its root filesystem is writable, nothing runs in it): the
// provider's upload lands in the volume mounted there. The service mounts the volume read-only, and is replaced
// whenever the loader is, i.e. whenever a file changes.
import { Container } from "@cdktf/provider-docker/lib/container/index.js";
import { Volume } from "@cdktf/provider-docker/lib/volume/index.js";
import { Construct } from "constructs";
import type { ServiceModel } from "../model/types.ts";

export interface ConfigVolumeProps {
  service: ServiceModel;
  /** The service's image: it has the folders the files go into, and is on the engine already. */
  image: string;
}

const folderOf = (path: string) => path.slice(0, path.lastIndexOf("/")) || "/";

export class ConfigVolume extends Construct {
  /** The loader container: the service's replacement trigger. */
  readonly loader: Container;
  /** The service's read-only mounts of the volumes. */
  readonly mounts: { volumeName: string; containerPath: string; readOnly: true }[];

  constructor(scope: Construct, id: string, props: ConfigVolumeProps) {
    super(scope, id);
    const s = props.service;
    const folders = [...new Set(s.files.map((f) => folderOf(f.path)))];
    const volumes = folders.map((folder, i) => {
      const suffix = folders.length > 1 ? `_${i + 1}` : "";
      const volume = new Volume(this, `volume${suffix}`, { name: `${s.containerName}-config${suffix.replace("_", "-")}` });
      volume.overrideLogicalId(`volume_${s.key}_config${suffix}`);
      return { folder, volume };
    });
    this.loader = new Container(this, "loader", {
      name: `${s.containerName}-config`,
      image: props.image,
      // The engine creates no container without a command (an image may have none); it never runs.
      command: s.command.length ? s.command : undefined,
      start: false,
      mustRun: false,
      volumes: volumes.map((v) => ({ volumeName: v.volume.name, containerPath: v.folder })),
      upload: s.files.map((f) => ({ file: f.path, content: f.content })),
    });
    this.loader.overrideLogicalId(`${s.key}_config`);
    this.mounts = volumes.map((v) => ({ volumeName: v.volume.name, containerPath: v.folder, readOnly: true }));
  }
}
