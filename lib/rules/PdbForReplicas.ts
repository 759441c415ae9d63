import { gatewayDeployment, manifestsOf, ofKind, selects } from "../k8s/inspect.ts";
import { isKubernetes } from "../spec/schema.ts";
import { ok, rule, violation } from "./rule.ts";

export default rule(import.meta.url, {
  severity: "error",
  info: "Without a PodDisruptionBudget a node drain or cluster upgrade may evict every gateway replica at once; one that allows no disruption blocks drains forever.",
  fix: "Keep kubernetes.pod_disruption_budget.enabled: true with max_unavailable ≥ 1 whenever kubernetes.replicas.max > 1.",
  check: ({ env }) => {
    if (!isKubernetes(env) || env.spec.kubernetes.replicas.max <= 1) return ok;
    const objects = manifestsOf(env);
    const pods = gatewayDeployment(objects)?.spec?.template.metadata?.labels;
    const pdb = ofKind(objects, "PodDisruptionBudget").find((p) => selects(p.spec?.selector, pods));
    if (!pdb) return violation("kubernetes.pod_disruption_budget.enabled", `up to ${env.spec.kubernetes.replicas.max} gateway replicas and no PodDisruptionBudget`);
    return pdb.spec?.maxUnavailable === 0
      ? violation("kubernetes.pod_disruption_budget.max_unavailable", "maxUnavailable 0: no node running a gateway pod can ever be drained")
      : ok;
  },
});
