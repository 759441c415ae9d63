import { resolveEnvironment, SPEND_JOURNAL_PATH } from "../model/resolve.ts";
import { isDocker } from "../spec/schema.ts";
import { ok, rule, type Violation } from "./rule.ts";

const LOST: Record<string, string> = {
  tmpfs: "the journal is on a tmpfs: it is lost with the container, and with it the spend not yet in Postgres",
  container: "the journal is on the container's writable layer: it is lost when the container is replaced (a deploy, `docker rm`), and with it the spend not yet in Postgres",
  off: "no spend journal: a crash (kill -9, OOM, node loss) loses every spend row not yet written to Postgres — up to proxy_batch_write_at seconds of traffic, unbilled and outside budgets",
};

export default rule(import.meta.url, {
  severity: "error",
  info: "Spend rows wait up to proxy_batch_write_at seconds before they reach Postgres; the journal keeps them through a crash only if it outlives the container.",
  fix: "Set gateway.spend_journal.storage: volume (Docker: a named volume per instance; Kubernetes: an emptyDir) or, on Kubernetes, pvc with claim_name.",
  check: ({ env }) => {
    const j = env.spec.gateway.spend_journal;
    if (LOST[j.storage]) return [{ path: "gateway.spend_journal.storage", message: LOST[j.storage]! }];
    if (j.storage === "pvc" && isDocker(env)) return [{ path: "gateway.spend_journal.storage", message: "pvc is for Kubernetes; a Docker host keeps the journal on a named volume (storage: volume)" }];
    if (!isDocker(env)) return ok;
    // What the stack really mounts: each instance's journal folder on a named volume, never a tmpfs.
    const out: Violation[] = [];
    for (const s of resolveEnvironment(env).services.filter((s) => s.role === "gateway")) {
      const dir = s.env.GATEKIT_SPEND_JOURNAL_DIR ?? "";
      const under = (path: string) => dir === path || dir.startsWith(`${path}/`);
      if (s.tmpfs.some(under) || !s.volumes.some((v) => v.volume && under(v.path))) {
        out.push({ path: "gateway.spend_journal", message: `${s.containerName} keeps its journal (${dir || SPEND_JOURNAL_PATH}) outside a named volume` });
      }
    }
    return out.length ? out : ok;
  },
});
