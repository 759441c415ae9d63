import { envRefName, isEnvRef } from "../gateway/config/schema.ts";
import { secretRefs } from "../spec/secrets.ts";
import { ok, rule, type Violation } from "./rule.ts";

export default rule(import.meta.url, {
  severity: "error",
  readsSecrets: true,
  info: "A referenced variable that is missing at deploy time starts a gateway whose provider calls all fail with 401.",
  fix: "Set every variable the spec references (see .env.example for what each is and how to make it), in .env locally or your CI secret store.",
  check: ({ env, vars }) => {
    // On Kubernetes the values live in the cluster's Secret and never pass through gatekit: nothing to look for here.
    const local = env.spec.target === "docker";
    const out: Violation[] = secretRefs(env.spec)
      .filter((r) => local && !vars[r.variable] && r.variable !== "DATABASE_URL")
      .map((r) => ({ path: r.path, message: `${r.variable} is not set` }));
    env.spec.litellm.model_list.forEach((m, i) => {
      const key = m.litellm_params.api_key;
      if (key !== undefined && !isEnvRef(key)) out.push({ path: `litellm.model_list[${i}].litellm_params.api_key`, message: `${m.model_name}: a literal key in the spec; use os.environ/NAME` });
      if (key && isEnvRef(key) && !envRefName(key)) out.push({ path: `litellm.model_list[${i}].litellm_params.api_key`, message: "malformed reference" });
    });
    return out.length ? out : ok;
  },
});
