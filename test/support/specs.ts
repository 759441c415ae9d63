// Spec fixtures built from the shipped environments, changed in place by each test.
import { loadEnvironment } from "../../lib/spec/load.ts";
import type { DockerEnvironment, Environment, KubernetesEnvironment } from "../../lib/spec/schema.ts";

/** A fresh, fully parsed copy of a shipped environment (environments/<name>.yaml). */
export function shipped(name: "dev" | "staging" | "prod"): DockerEnvironment;
export function shipped(name: "prod-k8s"): KubernetesEnvironment;
export function shipped(name: string): Environment {
  return structuredClone(loadEnvironment(name));
}
