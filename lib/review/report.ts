// The review as Markdown (for a pull-request comment) and as JSON (for machines): one section per stack.
import type { Finding } from "../rules/index.ts";
import type { AttributeChange, StackDiff } from "./diff.ts";
import type { Destructive } from "./destructive.ts";

export interface StackReview {
  diff: StackDiff;
  destructive: Destructive[];
  /** Unsuppressed findings present in the change but not in the base, and the reverse. */
  newFindings: Finding[];
  fixedFindings: Finding[];
  /** Every unsuppressed error of the changed tree: any of them fails the review. */
  headErrors: Finding[];
  plan?: string;
}

export interface Review {
  base: string;
  stacks: StackReview[];
  acknowledged: string | undefined;
  planNote?: string;
}

const SECRETISH = /pass(word)?|secret|token|api_?key|master_key|salt/i;
const MAX_VALUE = 80;

/** Values as a reviewer should see them: secrets redacted, long values shortened. */
export function showValue(path: string, value: unknown): string {
  if (value === undefined) return "(none)";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  if (SECRETISH.test(path) && !/^\$\{var\.[a-z0-9_]+\}$/.test(text) && !text.includes("os.environ/")) return "(redacted)";
  if (SECRETISH.test(text) && /=[^$]/.test(text) && !text.includes("${var.")) return "(redacted)";
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 20)}… (${text.length} chars)` : text;
}

export function summaryLine(s: StackReview): string {
  const count = (a: string) => s.diff.resources.filter((r) => r.action === a).length;
  const head =
    s.diff.lifecycle === "created" ? "created" : s.diff.lifecycle === "destroyed" ? "DESTROYED" : s.diff.lifecycle;
  const parts = [`${count("create")} to add`, `${count("update")} to change`, `${count("replace")} to replace`, `${count("delete")} to destroy`];
  const extra = [
    s.destructive.length ? `${s.destructive.length} destructive` : "",
    s.newFindings.length ? `${s.newFindings.length} new rule finding(s)` : "",
    s.fixedFindings.length ? `${s.fixedFindings.length} fixed` : "",
  ].filter(Boolean);
  return `**${s.diff.stack}** — ${head}: ${parts.join(", ")}${extra.length ? `; ${extra.join(", ")}` : ""}`;
}

export function toMarkdown(review: Review): string {
  const lines = [`# gatekit plan review (against \`${review.base}\`)`, ""];
  for (const s of review.stacks) lines.push(`- ${summaryLine(s)}`);
  if (review.planNote) lines.push("", `_${review.planNote}_`);
  for (const s of review.stacks) {
    if (s.diff.lifecycle === "unchanged" && !s.newFindings.length && !s.fixedFindings.length && !s.headErrors.length) continue;
    lines.push("", `## ${s.diff.stack}`, "");
    for (const d of s.destructive) {
      lines.push(`- ⚠️ **destructive** (${d.kind}): ${d.message}${d.acknowledged ? ` — acknowledged: ${d.acknowledged}` : ""}`);
    }
    if (s.destructive.length) lines.push("");
    if (s.diff.resources.length) {
      lines.push("| action | resource | what changes |", "|---|---|---|");
      for (const r of s.diff.resources) {
        const what = r.changes.slice(0, 8).map(describe).join("<br>") + (r.changes.length > 8 ? `<br>… ${r.changes.length - 8} more` : "");
        const why = r.action === "replace" ? ` (forced by ${r.forcedBy.join(", ")})` : "";
        lines.push(`| ${r.action}${why} | \`${r.address}\` | ${what} |`);
      }
    }
    for (const f of s.newFindings) lines.push(`- ✗ new ${f.severity} **${f.ruleId}** at \`${f.path}\`: ${f.message} — fix: ${f.fix}`);
    for (const f of s.headErrors.filter((f) => !s.newFindings.includes(f))) lines.push(`- ✗ still failing **${f.ruleId}** at \`${f.path}\`: ${f.message}`);
    for (const f of s.fixedFindings) lines.push(`- ✓ fixed **${f.ruleId}** at \`${f.path}\``);
    if (s.plan) lines.push("", "```", s.plan.trim(), "```");
  }
  if (review.acknowledged) lines.push("", `Destructive changes acknowledged: ${review.acknowledged}`);
  return lines.join("\n") + "\n";
}

function describe(c: AttributeChange): string {
  if (typeof c.before === "string" && typeof c.after === "string" && (c.before.includes("\n") || c.after.includes("\n"))) {
    return `\`${c.path}\`: ${lineChanges(c.before, c.after)}`;
  }
  return `\`${c.path}\`: ${escape(showValue(c.path, c.before))} → ${escape(showValue(c.path, c.after))}`;
}

/** A multi-line value (a rendered config file) as the lines it loses and gains. */
function lineChanges(before: string, after: string): string {
  const [was, now] = [before.split("\n"), after.split("\n")];
  const removed = was.filter((l) => !now.includes(l)).map((l) => `− \`${escape(l.trim())}\``);
  const added = now.filter((l) => !was.includes(l)).map((l) => `+ \`${escape(l.trim())}\``);
  const all = [...removed, ...added];
  return all.slice(0, 6).join(" ") + (all.length > 6 ? ` … ${all.length - 6} more lines` : "");
}
const escape = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** Exit policy: rule errors introduced, or destructive changes nobody acknowledged, fail the review. */
export function reviewFails(review: Review): boolean {
  const errors = review.stacks.some((s) => s.headErrors.length > 0);
  const destructive = review.stacks.some((s) => s.destructive.some((d) => !d.acknowledged));
  return errors || (destructive && !review.acknowledged);
}
