import { containersOf, gatewayDeployment, manifestsOf } from "../k8s/inspect.ts";
import { isKubernetes } from "../spec/schema.ts";
import { ok, rule, type Violation } from "./rule.ts";

const PROBES = ["startupProbe", "livenessProbe", "readinessProbe"] as const;

export default rule(import.meta.url, {
  severity: "error",
  info: "Kubernetes probes with short timeouts (the default is 1 s) restart gateway pods that are merely busy; without a startup probe, liveness kills pods still starting.",
  fix: "Set gateway.healthcheck.timeout ≥ 10 (every probe of the gateway uses it) and keep a start_period, which becomes the startup probe.",
  check: ({ env }) => {
    if (!isKubernetes(env)) return ok;
    const out: Violation[] = [];
    for (const c of containersOf(gatewayDeployment(manifestsOf(env)))) {
      for (const name of PROBES) {
        const p = c[name];
        if (!p) out.push({ path: "gateway.healthcheck", message: `container ${c.name} has no ${name}` });
        else if ((p.timeoutSeconds ?? 1) < 10) out.push({ path: "gateway.healthcheck.timeout", message: `${name} of ${c.name} times out after ${p.timeoutSeconds ?? 1} s < 10 s` });
      }
    }
    return out.length ? out : ok;
  },
});
