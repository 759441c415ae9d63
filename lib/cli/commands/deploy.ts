// gatekit deploy <env> / gatekit destroy <env>: validate and synthesize the environment's stack, check that
// Terraform can install the Docker provider (stopping before any change when it can't), build the local
// images the spec asks for, then `cdktf deploy` / `cdktf destroy` that one stack.
import { execa } from "execa";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { hostPortFindings } from "../../deploy/host-ports.ts";
import { volumePasswordFindings } from "../../deploy/postgres-volume.ts";
import { checkProvider } from "../../deploy/provider.ts";
import { formatFindings } from "../../rules/index.ts";
import { buildImages, ImageBuildError } from "../../images/build.ts";
import { RuleErrors, synthesize } from "../../infra/app.ts";
import { tfVarName } from "../../infra/secrets.ts";
import { localImagesOf } from "../../model/images.ts";
import { resolveEnvironment } from "../../model/resolve.ts";
import { isKubernetes, type DockerEnvironment, type Environment } from "../../spec/schema.ts";
import { cliVars } from "../env-file.ts";
import { envFileHint, load, otherEnvironments } from "./validate.ts";

type Action = "deploy" | "destroy";

export const help = (action: Action) => `usage: gatekit ${action} <env> [--out cdktf.out]

${action === "deploy"
    ? "Validates and synthesizes the environment's stack, builds the local images its spec asks for (images: local),\nthen runs `cdktf deploy` for that stack. Secrets come from the environment or .env, as TF_VAR_ inputs."
    : "Runs `cdktf destroy` for the environment's stack: its containers, networks and managed volumes go;\nvolumes the spec retains (postgres.retain_volume) stay."}
Stops before changing anything when Terraform can't install the stack's providers, and says how to set up a
provider mirror (air-gapped hosts); and (exit 2) when another spec of environments/ can't be read, since the
check that no two stacks share host ports, volumes or networks would be incomplete.`;

export const HELP = help("deploy");
export const run = (args: string[]) => runStack("deploy", args);

export async function runStack(action: Action, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { out: { type: "string", default: "cdktf.out" }, help: { type: "boolean", short: "h" } } });
  if (values.help) return console.log(help(action)), 0;
  if (positionals.length !== 1) return console.error(help(action)), 2;
  const env = load(positionals, false)?.[0];
  if (!env) return 2;
  const others = otherEnvironments(action, [env]);
  if (!others) return 2;
  const vars = cliVars();
  try {
    synthesize([env], { outdir: values.out, vars, all: [env, ...others] });
  } catch (e) {
    if (!(e instanceof RuleErrors)) throw e;
    return console.error(e.message + envFileHint(e.findings)), 1;
  }
  const docker = action === "deploy" && !isKubernetes(env);
  const taken = action === "deploy" ? [...(await hostPortFindings([env])), ...(docker ? await volumePasswordFindings(env as DockerEnvironment, vars) : [])] : [];
  if (taken.length) return console.error(`gatekit deploy ${env.name}: nothing was changed\n${formatFindings(taken)}`), 1;
  const stackDir = join(values.out, "stacks", env.name);
  const provider = await checkProvider(stackDir);
  if (!provider.ok) {
    console.error(`gatekit ${action} ${env.name}: ${provider.reason}. Nothing was changed.\n\n${provider.help}`);
    return 1;
  }
  if (action === "deploy" && !(await buildLocalImages(env))) return 1;
  // checkProvider's `terraform init` has installed the providers (registry or mirror) and written the stack's lock
  // file; cdktf's own lock step would ask the registry again, and fails where only a mirror is reachable.
  const cdktf = await execa("npx", ["cdktf", action, env.name, "--skip-synth", "--skip-provider-lock", "--auto-approve", "--output", values.out], {
    // CHECKPOINT_DISABLE: no version check against HashiCorp's servers (air-gapped hosts log an error for it).
    env: { ...stackInputs(env, vars), CI: "1", CHECKPOINT_DISABLE: "1" }, stdio: "inherit", reject: false,
  });
  return cdktf.exitCode === 0 ? 0 : 1;
}

async function buildLocalImages(env: Environment): Promise<boolean> {
  const images = localImagesOf(env.spec);
  if (!Object.keys(images).length) return true;
  try {
    await buildImages(images, { log: (l) => console.log(l) });
    return true;
  } catch (e) {
    if (!(e instanceof ImageBuildError)) throw e;
    console.error(`gatekit deploy ${env.name}: ${e.message}`);
    return false;
  }
}

/** The stack's secret inputs as TF_VAR_ variables, from the environment or .env. */
function stackInputs(env: Environment, vars: Record<string, string | undefined>): Record<string, string> {
  const inputs: Record<string, string> = {};
  for (const name of resolveEnvironment(env).secrets) if (vars[name] !== undefined) inputs[`TF_VAR_${tfVarName(name)}`] = vars[name]!;
  return inputs;
}
