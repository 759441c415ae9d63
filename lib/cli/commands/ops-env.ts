// The Docker environment a status/logs/restart command acts on, once its engine answers.
import { engineProblem } from "../../ops/docker.ts";
import type { DockerEnvironment } from "../../spec/schema.ts";
import { load } from "./validate.ts";

/** The named Docker environment whose engine answers; undefined (exit 2) after saying why not. */
export async function dockerEnvironment(command: string, name: string | undefined, help = `usage: gatekit ${command} <env>`): Promise<DockerEnvironment | undefined> {
  if (!name) return console.error(help), undefined;
  const env = load([name], false)?.[0];
  if (!env) return undefined;
  if (env.spec.target !== "docker") return console.error(`gatekit ${command}: ${env.name} is a kubernetes environment: use kubectl -n ${env.spec.kubernetes.namespace}`), undefined;
  const problem = await engineProblem(env as DockerEnvironment);
  if (problem) return console.error(`gatekit ${command} ${env.name}: ${problem}.`), undefined;
  return env as DockerEnvironment;
}
