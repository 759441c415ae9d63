import { manifestsOf, ofKind } from "../k8s/inspect.ts";
import { isKubernetes } from "../spec/schema.ts";
import { ok, rule, violation } from "./rule.ts";

const ENFORCE = "pod-security.kubernetes.io/enforce";

export default rule(import.meta.url, {
  severity: "warning",
  info: "The other rules check the gateway's pods against the restricted Pod Security Standard; without the namespace's enforce label the cluster admits whatever lands there (a hand-edited or third-party pod, a privileged debug container).",
  fix: "Keep kubernetes.pod_security at its default (enforce: restricted, managed: true), or make sure the cluster's own tooling labels the namespace pod-security.kubernetes.io/enforce: restricted.",
  check: ({ env }) => {
    if (!isKubernetes(env)) return ok;
    const p = env.spec.kubernetes.pod_security;
    const ns = ofKind(manifestsOf(env), "Namespace")[0];
    const level = ns?.metadata?.labels?.[ENFORCE];
    if (!p.managed) return violation("kubernetes.pod_security.managed", `gatekit sets no PodSecurity labels on namespace ${env.spec.kubernetes.namespace}: what the cluster admits there is up to its own settings`);
    return level === "restricted" ? ok : violation("kubernetes.pod_security.enforce", `namespace ${env.spec.kubernetes.namespace} enforces ${level ?? "nothing"}, not restricted: pods that break the restricted standard are admitted (warned about and audited only)`);
  },
});
