// gatekit review --base <ref> [--json] [--out FILE] [--plan] [--ack "reason"]
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { review, reviewFails, toMarkdown } from "../../review/index.ts";

export const HELP = `usage: gatekit review --base <git-ref> [--json] [--out report.md] [--plan] [--ack "reason"]

Synthesizes the working tree and <git-ref> and reports, per environment stack, the resources added, changed,
replaced and removed, rule findings new and fixed, and destructive changes (data volumes, data services,
networks, removed environments, a changed salt key; on Kubernetes a namespace removed, a volume claim
dropped or renamed). Exit 1 on rule errors or unacknowledged destructive
changes; --ack "reason" acknowledges them.`;

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      base: { type: "string" }, json: { type: "boolean" }, out: { type: "string" },
      plan: { type: "boolean" }, ack: { type: "string" }, help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return console.log(HELP), 0;
  if (!values.base) return console.error(`gatekit review: --base <git-ref> is required\n\n${HELP}`), 2;
  if (values.ack !== undefined && values.ack.trim().length < 10) {
    return console.error("gatekit review: --ack needs a written reason (at least 10 characters)"), 2;
  }
  let result;
  try {
    result = await review(process.cwd(), values.base, { acknowledged: values.ack, plan: values.plan });
  } catch (e) {
    return console.error(`gatekit review: ${(e as Error).message}`), 2;
  }
  const markdown = toMarkdown(result);
  if (values.out) writeFileSync(values.out, markdown);
  console.log(values.json ? JSON.stringify({ ...result, fails: reviewFails(result) }, null, 2) : markdown);
  return reviewFails(result) ? 1 : 0;
}
