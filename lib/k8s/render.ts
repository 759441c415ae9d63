// Plain manifests for GitOps (Argo CD, Flux): byte-stable YAML — keys sorted, no timestamps or generated
// names — as one multi-document stream or one file per kind.
import { stringify } from "yaml";
import type { KubeObject } from "./manifests.ts";

const HEADER = "# Rendered by gatekit from the environment spec; edit the spec, not this file.\n";

/**
 * One object as YAML with sorted keys; long strings (config.yaml) as block literals, never folded. Written as
 * YAML 1.1 so that strings such as `off` or `yes` are quoted: Kubernetes' YAML reader would take them for booleans.
 */
export function toYaml(o: KubeObject): string {
  return stringify(JSON.parse(JSON.stringify(o)), { version: "1.1", sortMapEntries: true, lineWidth: 0, blockQuote: "literal" });
}

/** Every object in apply order, `---`-separated. */
export function renderStream(objects: KubeObject[]): string {
  return HEADER + objects.map((o) => `---\n${toYaml(o)}`).join("");
}

/** `deployment.yaml`, `service.yaml`, …: one file per kind, numbered in apply order so `kubectl apply -f DIR` keeps it. */
export function renderSplit(objects: KubeObject[]): Map<string, string> {
  const kinds = [...new Set(objects.map((o) => o.kind))];
  return new Map(kinds.map((kind, i) => [
    `${String(i + 1).padStart(2, "0")}-${kind.toLowerCase()}.yaml`,
    renderStream(objects.filter((o) => o.kind === kind)),
  ]));
}
