// `gatekit review`: compare the working tree with a base ref, stack by stack.
import type { Finding } from "../rules/index.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { diffStack } from "./diff.ts";
import { terraformPlan } from "./plan.ts";
import { findDestructive, type Destructive } from "./destructive.ts";
import type { Review, StackReview } from "./report.ts";
import { snapshotRef, snapshotTree, type Snapshot } from "./snapshot.ts";

export { toMarkdown, reviewFails } from "./report.ts";

export interface ReviewOptions {
  /** A reason given with --ack: destructive changes are accepted. */
  acknowledged?: string;
  /** Also run `terraform plan` per stack when Terraform and the provider are available. */
  plan?: boolean;
}

export async function review(repo: string, base: string, opts: ReviewOptions = {}): Promise<Review> {
  const planDir = opts.plan ? mkdtempSync(join(tmpdir(), "gatekit-plan-")) : undefined;
  try {
    const [before, after] = await Promise.all([snapshotRef(repo, base), snapshotTree(repo, planDir)]);
    const stacks = compare(before, after);
    if (planDir) {
      for (const s of stacks.filter((s) => s.diff.lifecycle !== "destroyed")) {
        s.plan = (await terraformPlan(join(planDir, "stacks", s.diff.stack))).summary;
      }
    }
    const planNote = opts.plan ? undefined : "terraform plan not run (pass --plan where Terraform and the Docker provider are available)";
    return { base, stacks, acknowledged: opts.acknowledged, planNote };
  } finally {
    if (planDir) rmSync(planDir, { recursive: true, force: true });
  }
}

export function compare(before: Snapshot, after: Snapshot): StackReview[] {
  const names = [...new Set([...before.stacks.keys(), ...after.stacks.keys()])].sort();
  return names.map((stack) => {
    const [b, h] = [before.stacks.get(stack), after.stacks.get(stack)];
    const diff = diffStack(stack, b, h);
    const acks = after.acknowledged.get(stack) ?? new Map<string, string>();
    const destructive = [...findDestructive(diff, b, h), ...saltKeyChange(stack, before, after)].map((d) =>
      acks.has(d.address) ? { ...d, acknowledged: acks.get(d.address) } : d,
    );
    const key = (f: Finding) => `${f.ruleId} ${f.path}`;
    const open = (s: Snapshot) => s.findings.filter((f) => f.environment === stack && !f.suppressed);
    const [was, now] = [open(before), open(after)];
    const newFindings = now.filter((f) => !was.some((g) => key(g) === key(f)));
    const fixedFindings = was.filter((f) => !now.some((g) => key(g) === key(f)));
    return { diff, destructive, newFindings, fixedFindings, headErrors: now.filter((f) => f.severity === "error") };
  });
}

function saltKeyChange(stack: string, before: Snapshot, after: Snapshot): Destructive[] {
  const [was, now] = [before.saltLocks.get(stack), after.saltLocks.get(stack)];
  if (!was || was === now) return [];
  return [{
    stack, address: `environments/${stack}.salt.json`, kind: "salt-key-changed",
    message: now
      ? `the salt key fingerprint changes (${was.slice(0, 12)}… → ${now.slice(0, 12)}…): stored provider credentials must be re-encrypted`
      : "the salt key record is removed: a changed salt key would no longer be caught",
  }];
}
