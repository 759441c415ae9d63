// gatekit render <env> --format yaml [--out DIR] [--split]: a kubernetes environment's manifests as plain YAML
// for GitOps tools (Argo CD, Flux). Validated like synth: rule errors and schema errors refuse (exit 1).
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { buildManifests } from "../../k8s/manifests.ts";
import { renderSplit, renderStream } from "../../k8s/render.ts";
import { formatSchemaIssue, validateManifests } from "../../k8s/validate.ts";
import { checkEnvironments, formatFindings, hasErrors } from "../../rules/index.ts";
import { isKubernetes } from "../../spec/schema.ts";
import { cliVars } from "../env-file.ts";
import { load } from "./validate.ts";

export const HELP = `usage: gatekit render <env> --format yaml [--out DIR] [--split] [--unchecked]

Writes the Kubernetes objects of a kubernetes-target environment as plain YAML: byte-stable (sorted keys, no
timestamps), every object validated strictly against the Kubernetes schemas first. Without --out, one stream
on stdout; --out DIR writes DIR/<env>.yaml, or with --split one file per kind (DIR/<env>/NN-<kind>.yaml).
Refuses (exit 1) on rule errors; --unchecked renders anyway. Exit 2: unusable input.`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: {
      format: { type: "string", default: "yaml" }, out: { type: "string" }, split: { type: "boolean" },
      unchecked: { type: "boolean" }, help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return console.log(HELP), 0;
  if (values.format !== "yaml") return console.error(`gatekit render: --format ${values.format} is not supported (yaml)`), 2;
  if (positionals.length !== 1) return console.error(`gatekit render: name one environment\n\n${HELP}`), 2;
  if (values.split && !values.out) return console.error("gatekit render: --split needs --out DIR"), 2;
  const env = load(positionals, false)?.[0];
  if (!env) return 2;
  if (!isKubernetes(env)) return console.error(`gatekit render: ${env.name} has target: ${env.spec.target}; render is for target: kubernetes`), 2;
  const findings = checkEnvironments([env], cliVars());
  if (hasErrors(findings) && !values.unchecked) {
    return console.error(`gatekit render: refused, the production rules found errors\n${formatFindings(findings.filter((f) => f.severity === "error" && !f.suppressed))}`), 1;
  }
  const objects = buildManifests(env);
  const issues = validateManifests(objects);
  if (issues.length) return console.error(`gatekit render: objects fail schema validation\n${issues.map((i) => `  ${formatSchemaIssue(i)}`).join("\n")}`), 1;
  if (!values.out) return process.stdout.write(renderStream(objects)), 0;
  for (const file of write(values.out, env.name, objects, values.split ?? false)) console.error(`✓ ${file}`);
  return 0;
}

function write(out: string, name: string, objects: ReturnType<typeof buildManifests>, split: boolean): string[] {
  if (!split) {
    mkdirSync(out, { recursive: true });
    const file = join(out, `${name}.yaml`);
    writeFileSync(file, renderStream(objects));
    return [file];
  }
  // The folder is the environment's: files of kinds no longer rendered must not linger for a GitOps tool to apply.
  const dir = join(out, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return [...renderSplit(objects)].map(([file, text]) => (writeFileSync(join(dir, file), text), join(dir, file)));
}
