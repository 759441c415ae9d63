import { manifestsOf, ofKind, selects } from "../k8s/inspect.ts";
import { isKubernetes } from "../spec/schema.ts";
import { ok, rule, type Violation } from "./rule.ts";

export default rule(import.meta.url, {
  severity: "error",
  info: "Without NetworkPolicies every pod in the cluster can reach the in-cluster Postgres and Redis, which hold keys, spend and cached answers.",
  fix: "Keep kubernetes.network_policies: true: default-deny ingress in the namespace, and Postgres and Redis open to the gateway's pods only.",
  check: ({ env }) => {
    if (!isKubernetes(env)) return ok;
    const objects = manifestsOf(env);
    const policies = ofKind(objects, "NetworkPolicy");
    const out: Violation[] = [];
    const denyAll = policies.some((p) => Object.keys(p.spec?.podSelector?.matchLabels ?? {}).length === 0 && p.spec?.policyTypes?.includes("Ingress") && !p.spec.ingress?.length);
    if (!denyAll) out.push({ path: "kubernetes.network_policies", message: `namespace ${env.spec.kubernetes.namespace} has no default-deny ingress policy` });
    const gatewayLabels = ofKind(objects, "Deployment").find((d) => d.metadata?.name === "gateway")?.spec?.template.metadata?.labels;
    for (const s of ofKind(objects, "StatefulSet")) {
      const pods = s.spec?.template.metadata?.labels;
      const guarded = policies.some((p) => selects(p.spec?.podSelector, pods) && p.spec?.ingress?.every((rule) =>
        !!rule.from?.length && rule.from.every((peer) => !peer.namespaceSelector && !peer.ipBlock && selects(peer.podSelector, gatewayLabels))));
      if (!guarded) out.push({ path: "kubernetes.network_policies", message: `${s.metadata?.name} is reachable from pods other than the gateway's` });
    }
    return out.length ? out : ok;
  },
});
