// Changes that can lose data or break stored state, found in a stack diff. Each must be acknowledged
// (a marker in the spec or --ack with a reason) before a review passes.
import type { StackDiff, TfJson } from "./diff.ts";

export interface Destructive {
  stack: string;
  address: string;
  kind:
    | "volume-removed" | "data-service-replaced" | "network-replaced" | "environment-removed" | "salt-key-changed"
    | "namespace-removed" | "volume-claim-removed";
  message: string;
  /** The reason given in the spec's review.acknowledge_destructive, when this change is acknowledged there. */
  acknowledged?: string;
}

const DATA_IMAGE = /postgres|redis/i;

export function findDestructive(diff: StackDiff, base: TfJson | undefined, head: TfJson | undefined): Destructive[] {
  if (diff.lifecycle === "destroyed") {
    return [{ stack: diff.stack, address: "*", kind: "environment-removed", message: `environment ${diff.stack} is removed: every container, network and non-retained volume of it is destroyed` }];
  }
  const out: Destructive[] = [];
  for (const r of diff.resources) {
    const at = { stack: diff.stack, address: r.address };
    if (r.type === "docker_volume" && (r.action === "delete" || r.action === "replace")) {
      const verb = r.action === "delete" ? "removed or renamed" : "replaced";
      out.push({ ...at, kind: "volume-removed", message: `volume ${r.address} is ${verb}: the data on it is lost` });
    }
    if (r.type === "docker_container" && (r.action === "replace" || r.action === "delete") && isDataService(base, r.address)) {
      const [was, now] = [volumeNames(base, r.address), volumeNames(head, r.address)];
      const lost = was.filter((v) => !now.includes(v));
      if (r.action === "replace" && lost.length && now.length) {
        out.push({ ...at, kind: "volume-removed", message: `data service ${r.address} moves from volume ${lost.join(", ")} to ${now.join(", ")}: it starts empty, and the old data is left behind` });
      } else if (now.length === 0) {
        out.push({ ...at, kind: "data-service-replaced", message: `data service ${r.address} is ${r.action === "delete" ? "removed" : "replaced"} without a named volume: its data is lost` });
      }
    }
    if (r.type === "kubernetes_manifest") out.push(...manifestDestructive(at, r, base, head));
    if (r.type === "docker_network" && (r.action === "replace" || r.action === "delete")) {
      out.push({ ...at, kind: "network-replaced", message: `network ${r.address} is ${r.action === "delete" ? "removed" : "replaced"} (${r.forcedBy.join(", ") || "removed"}): every container attached to it is replaced` });
    }
  }
  return out;
}

function container(doc: TfJson | undefined, address: string): Record<string, unknown> | undefined {
  const [type, name] = address.split(".") as [string, string];
  return doc?.resource?.[type]?.[name];
}

function isDataService(doc: TfJson | undefined, address: string): boolean {
  return DATA_IMAGE.test(JSON.stringify(container(doc, address)?.image ?? "")) || DATA_IMAGE.test(address);
}

function volumeNames(doc: TfJson | undefined, address: string): string[] {
  const volumes = container(doc, address)?.volumes;
  return Array.isArray(volumes) ? volumes.map((v) => (v as { volume_name?: string }).volume_name).filter((v): v is string => !!v) : [];
}

type Manifest = { kind?: string; metadata?: { name?: string }; spec?: { volumeClaimTemplates?: { metadata?: { name?: string } }[] } };

function manifestOf(doc: TfJson | undefined, address: string): Manifest | undefined {
  return container(doc, address)?.manifest as Manifest | undefined;
}

const claimNames = (m: Manifest | undefined) => (m?.spec?.volumeClaimTemplates ?? []).map((t) => t.metadata?.name ?? "?");

/** A namespace taken away takes everything in it; a volume claim dropped or renamed leaves its data behind. */
function manifestDestructive(at: { stack: string; address: string }, r: StackDiff["resources"][number], base: TfJson | undefined, head: TfJson | undefined): Destructive[] {
  if (r.action !== "delete" && r.action !== "replace") return [];
  const was = manifestOf(base, r.address);
  const name = `${was?.kind ?? "object"}/${was?.metadata?.name ?? "?"}`;
  const verb = r.action === "delete" ? "removed" : "replaced";
  if (was?.kind === "Namespace") {
    return [{ ...at, kind: "namespace-removed", message: `namespace ${was.metadata?.name} is ${verb}: every object in it is deleted, volume claims and their data included` }];
  }
  if (was?.kind === "PersistentVolumeClaim") {
    return [{ ...at, kind: "volume-claim-removed", message: `volume claim ${was.metadata?.name} is ${verb}: the data on it is lost` }];
  }
  const lost = claimNames(was).filter((c) => !claimNames(manifestOf(head, r.address)).includes(c));
  if (was?.kind === "StatefulSet" && lost.length) {
    return [{ ...at, kind: "volume-claim-removed", message: `${name} is ${verb} and its volume claim(s) ${lost.join(", ")} are no longer used: it starts empty, and the old data is left behind` }];
  }
  return [];
}
