import { ok, rule, type Violation } from "./rule.ts";

/** Docker's `user` (uid, name, uid:gid, name:group): root when the user part is uid 0 or the name root. */
export const runsAsRoot = (user: string) => {
  const u = user.trim().split(":")[0]!.trim();
  return u === "root" || /^0+$/.test(u);
};

export default rule(import.meta.url, {
  severity: "error",
  info: "A compromised container with privileges, capabilities or a writable root can escalate or persist.",
  fix: "Keep hardening defaults: no_new_privileges: true, drop_capabilities: [ALL], read_only_root_fs: true for the gateway, and a non-root user (not 0, 0:0 or root; omit user for the image's own non-root user).",
  check: ({ env }) => {
    const out: Violation[] = [];
    const services = [["gateway", env.spec.gateway.hardening], ["postgres", env.spec.postgres.hardening], ["redis", env.spec.redis?.hardening]] as const;
    for (const [name, h] of services) {
      if (!h) continue;
      if (!h.no_new_privileges) out.push({ path: `${name}.hardening.no_new_privileges`, message: "privilege escalation allowed" });
      if (!h.drop_capabilities.includes("ALL")) out.push({ path: `${name}.hardening.drop_capabilities`, message: "capabilities are not all dropped" });
      if (h.user !== undefined && runsAsRoot(h.user)) out.push({ path: `${name}.hardening.user`, message: `user "${h.user}" runs as root (uid 0); allowed: a non-root uid[:gid] or user name, or leave it out for the image's own user` });
    }
    if (!env.spec.gateway.hardening.read_only_root_fs) out.push({ path: "gateway.hardening.read_only_root_fs", message: "the gateway's root filesystem is writable" });
    return out.length ? out : ok;
  },
});
