import { envRefName } from "../gateway/config/schema.ts";
import { checkSaltKey, lockFileFor } from "../spec/salt-lock.ts";
import { ok, rule, violation } from "./rule.ts";

export default rule(import.meta.url, {
  severity: "error",
  readsSecrets: true,
  info: "Stored provider credentials are encrypted with the salt key: without it they can't be stored, and a changed one silently breaks them.",
  fix: "Set the salt key variable (openssl rand -hex 32) and record it with `gatekit salt-key record <env>`; change it only with `gatekit salt-key rotate <env> --reason …`.",
  check: ({ env, vars }) => {
    const name = envRefName(env.spec.secrets.salt_key)!;
    const value = vars[name];
    // A Kubernetes stack takes the key from the cluster's Secret: the lock is checked here only when it is given.
    if (!value) return env.spec.target === "kubernetes" ? ok : violation("secrets.salt_key", `${name} is not set`);
    const lock = checkSaltKey(env.file, value);
    if (lock.status === "mismatch") {
      return violation("secrets.salt_key", `${name} does not match the fingerprint recorded in ${lockFileFor(env.file)} (recorded ${lock.recorded.slice(0, 12)}…, now ${lock.actual.slice(0, 12)}…)`);
    }
    return ok;
  },
});
