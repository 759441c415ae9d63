import { secretRefs } from "../spec/secrets.ts";
import { closest } from "../spec/suggest.ts";
import { ok, rule, type Violation } from "./rule.ts";

export default rule(import.meta.url, {
  severity: "error",
  readsSecrets: true,
  info: "A referenced variable that is missing at deploy time starts a gateway whose provider calls all fail with 401.",
  fix: "Set every variable the spec references (see .env.example for what each is and how to make it), in .env locally or your CI secret store.",
  check: ({ env, vars }) => {
    // On Kubernetes the values live in the cluster's Secret and never pass through gatekit: nothing to look for here.
    const local = env.spec.target === "docker";
    const set = Object.keys(vars).filter((k) => vars[k]);
    const out: Violation[] = secretRefs(env.spec)
      .filter((r) => local && !vars[r.variable] && r.variable !== "DATABASE_URL")
      .map((r) => {
        const near = closest(r.variable, set); // a typo in the reference: the variable that is set
        return { path: r.path, message: `${r.variable} is not set${near.length ? ` (did you mean ${near.join(" or ")}? it is set)` : ""}` };
      });
    // A literal secret (api_key, redis_password, …) never gets this far: loading the spec refuses it (spec/secrets.ts).
    return out.length ? out : ok;
  },
});
