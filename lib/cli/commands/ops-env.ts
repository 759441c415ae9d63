// The Docker environment a status/logs/restart command acts on.
import type { DockerEnvironment } from "../../spec/schema.ts";
import { load } from "./validate.ts";

export function dockerEnvironment(command: string, name: string | undefined, help = `usage: gatekit ${command} <env>`): DockerEnvironment | undefined {
  if (!name) return console.error(help), undefined;
  const env = load([name], false)?.[0];
  if (env && env.spec.target !== "docker") return console.error(`gatekit ${command}: ${env.name} is a kubernetes environment: use kubectl -n ${env.spec.kubernetes.namespace}`), undefined;
  return env as DockerEnvironment | undefined;
}
