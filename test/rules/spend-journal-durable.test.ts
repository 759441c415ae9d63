// SpendJournalDurable and where the journal lives: a named volume per Docker instance, an emptyDir or a claim
// (a folder per pod) on Kubernetes; tmpfs, the writable layer and no journal are refused, with the spec path.
import { describe, expect, it } from "vitest";
import type { Deployment } from "kubernetes-models/apps/v1";
import { buildManifests } from "../../lib/k8s/manifests.ts";
import { resolveEnvironment, SPEND_JOURNAL_PATH } from "../../lib/model/resolve.ts";
import { checkEnvironments } from "../../lib/rules/index.ts";
import type { Environment } from "../../lib/spec/schema.ts";
import { shipped } from "../support/specs.ts";
import { TEST_VARS } from "../support/vars.ts";

const findings = (env: Environment) => checkEnvironments([env], TEST_VARS).filter((f) => f.ruleId === "SpendJournalDurable");

describe("SpendJournalDurable", () => {
  it("Docker: each instance journals onto its own named volume; tmpfs, the writable layer and off are refused", () => {
    const env = shipped("prod");
    env.spec.gateway.instances = 2;
    env.spec.postgres.max_connections = 200;
    const gateways = resolveEnvironment(env).services.filter((s) => s.role === "gateway");
    expect(gateways.map((g) => [g.env.GATEKIT_SPEND_JOURNAL_DIR, g.volumes.find((v) => v.path === SPEND_JOURNAL_PATH)?.volume])).toEqual([
      [SPEND_JOURNAL_PATH, "gatekit-prod-spend-journal-1"],
      [SPEND_JOURNAL_PATH, "gatekit-prod-spend-journal-2"],
    ]);
    expect(findings(env)).toEqual([]);
    for (const storage of ["tmpfs", "container", "off", "pvc"] as const) {
      const bad = shipped("prod");
      bad.spec.gateway.spend_journal = { ...bad.spec.gateway.spend_journal, storage, claim_name: "x" };
      const [f, ...rest] = findings(bad);
      expect(rest).toEqual([]);
      expect(f).toMatchObject({ path: "gateway.spend_journal.storage", severity: "error" });
    }
    const tmpfs = shipped("prod");
    tmpfs.spec.gateway.spend_journal.storage = "tmpfs";
    expect(resolveEnvironment(tmpfs).services.find((s) => s.role === "gateway")!.tmpfs).toContain(SPEND_JOURNAL_PATH);
  });

  it("Docker: two environments on one host can't share a journal volume", () => {
    const [a, b] = [shipped("prod"), shipped("staging")];
    b.spec.gateway.spend_journal.volume = "gatekit-prod-spend-journal";
    const clash = checkEnvironments([b, a], TEST_VARS).filter((f) => f.ruleId === "NoSharedHostResources" && f.environment === "staging");
    expect(clash.map((f) => f.path)).toContain("gateway.spend_journal.volume");
  });

  it("Kubernetes: an emptyDir on the node's disk by default; a claim with one folder per pod; tmpfs refused", () => {
    const env = shipped("prod-k8s");
    const pod = (e: typeof env) => (buildManifests(e).find((o) => o.kind === "Deployment") as Deployment).spec!.template.spec!;
    const c = pod(env).containers[0]!;
    expect(pod(env).volumes!.find((v) => v.name === "spend-journal")).toEqual({ name: "spend-journal", emptyDir: { sizeLimit: "1Gi" } });
    expect(c.volumeMounts).toContainEqual({ name: "spend-journal", mountPath: SPEND_JOURNAL_PATH });
    expect(c.env).toContainEqual({ name: "GATEKIT_SPEND_JOURNAL_DIR", value: SPEND_JOURNAL_PATH });
    expect(findings(env)).toEqual([]);

    const claim = shipped("prod-k8s");
    claim.spec.gateway.spend_journal = { storage: "pvc", claim_name: "gateway-journal", size_limit: "1Gi" };
    const p = pod(claim);
    expect(p.volumes!.find((v) => v.name === "spend-journal")).toEqual({ name: "spend-journal", persistentVolumeClaim: { claimName: "gateway-journal" } });
    const names = p.containers[0]!.env!.map((e) => e.name);
    expect(names.indexOf("POD_NAME")).toBeLessThan(names.indexOf("GATEKIT_SPEND_JOURNAL_DIR")); // $(POD_NAME) expands
    expect(p.containers[0]!.env).toContainEqual({ name: "GATEKIT_SPEND_JOURNAL_DIR", value: `${SPEND_JOURNAL_PATH}/$(POD_NAME)` });
    expect(findings(claim)).toEqual([]);

    const memory = shipped("prod-k8s");
    memory.spec.gateway.spend_journal.storage = "tmpfs";
    expect(findings(memory).map((f) => f.path)).toEqual(["gateway.spend_journal.storage"]);
    expect(pod(memory).volumes!.some((v) => v.name === "spend-journal")).toBe(false);
  });
});
