// `--plan`: `terraform plan` per synthesized stack, when Terraform and the Docker provider can be had.
// On machines without the registry or a provider mirror it says so plainly instead of failing the review.
import { execa } from "execa";

export const MIRROR_HELP =
  "set up a provider mirror: `terraform providers mirror DIR` on a connected machine, then in ~/.terraformrc " +
  "`provider_installation { filesystem_mirror { path = \"DIR\" } }` (see docs/stacks.md, Air-gapped hosts)";

export interface PlanResult {
  ran: boolean;
  /** `Plan: 1 to add, 0 to change, 0 to destroy.` or why it was skipped. */
  summary: string;
}

export async function terraformPlan(stackDir: string): Promise<PlanResult> {
  const tf = await execa("terraform", ["version"], { reject: false });
  if (tf.exitCode !== 0) return { ran: false, summary: "terraform plan skipped: terraform is not installed" };
  const init = await execa("terraform", ["init", "-input=false", "-no-color"], { cwd: stackDir, reject: false, timeout: 120_000 });
  if (init.exitCode !== 0) {
    return { ran: false, summary: `terraform plan skipped: the Docker provider could not be installed (no registry or mirror reachable); ${MIRROR_HELP}` };
  }
  const plan = await execa("terraform", ["plan", "-input=false", "-no-color", "-lock=false"], { cwd: stackDir, reject: false, timeout: 300_000 });
  const line = /^(Plan: .*|No changes\..*)$/m.exec(plan.stdout)?.[1];
  return { ran: plan.exitCode === 0, summary: line ?? `terraform plan failed: ${(plan.stderr || plan.stdout).split("\n").slice(-5).join(" ")}` };
}
