import { envRefName } from "../gateway/config/schema.ts";
import { ok, rule, violation } from "./rule.ts";

export default rule(import.meta.url, {
  severity: "error",
  readsSecrets: true,
  info: "The master key is full admin access: LiteLLM requires the sk- prefix, and a short key can be guessed.",
  fix: 'Set the master key variable to "sk-" followed by at least 29 random characters: echo "sk-$(openssl rand -hex 24)".',
  check: ({ env, vars }) => {
    const name = envRefName(env.spec.secrets.master_key)!;
    const key = vars[name];
    // A Kubernetes stack takes the key from the cluster's Secret: it is checked here only when given.
    if (!key) return env.spec.target === "kubernetes" ? ok : violation("secrets.master_key", `${name} is not set`);
    if (!key.startsWith("sk-")) return violation("secrets.master_key", `${name} does not start with "sk-"`);
    return key.length < 32 ? violation("secrets.master_key", `${name} is ${key.length} characters; at least 32 are required`) : ok;
  },
});
