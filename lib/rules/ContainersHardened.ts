import { ok, rule, type Violation } from "./rule.ts";

export default rule(import.meta.url, {
  severity: "error",
  info: "A compromised container with privileges, capabilities or a writable root can escalate or persist.",
  fix: "Keep hardening defaults: no_new_privileges: true, drop_capabilities: [ALL], and read_only_root_fs: true for the gateway.",
  check: ({ env }) => {
    const out: Violation[] = [];
    const services = [["gateway", env.spec.gateway.hardening], ["postgres", env.spec.postgres.hardening], ["redis", env.spec.redis?.hardening]] as const;
    for (const [name, h] of services) {
      if (!h) continue;
      if (!h.no_new_privileges) out.push({ path: `${name}.hardening.no_new_privileges`, message: "privilege escalation allowed" });
      if (!h.drop_capabilities.includes("ALL")) out.push({ path: `${name}.hardening.drop_capabilities`, message: "capabilities are not all dropped" });
      if (h.user === "root" || h.user === "0") out.push({ path: `${name}.hardening.user`, message: "runs as root" });
    }
    if (!env.spec.gateway.hardening.read_only_root_fs) out.push({ path: "gateway.hardening.read_only_root_fs", message: "the gateway's root filesystem is writable" });
    return out.length ? out : ok;
  },
});
