import { gatewayDeployment, manifestsOf } from "../k8s/inspect.ts";
import { isKubernetes } from "../spec/schema.ts";
import { ok, rule, type Violation } from "./rule.ts";

const REQUIRED = [
  { key: "kubernetes.io/hostname", path: "kubernetes.spread.nodes", what: "nodes" },
  { key: "topology.kubernetes.io/zone", path: "kubernetes.spread.zones", what: "zones" },
];

export default rule(import.meta.url, {
  severity: "error",
  info: "Replicas the scheduler packs onto one node or one zone all fail together when it does: the replica count buys no availability.",
  fix: "Keep kubernetes.spread.nodes and kubernetes.spread.zones true (topologySpreadConstraints on kubernetes.io/hostname and topology.kubernetes.io/zone).",
  check: ({ env }) => {
    if (!isKubernetes(env) || env.spec.kubernetes.replicas.max <= 1) return ok;
    const constraints = gatewayDeployment(manifestsOf(env))?.spec?.template.spec?.topologySpreadConstraints ?? [];
    const out: Violation[] = REQUIRED.filter((r) => !constraints.some((c) => c.topologyKey === r.key))
      .map((r) => ({ path: r.path, message: `gateway replicas are not spread across ${r.what} (${r.key})` }));
    return out.length ? out : ok;
  },
});
