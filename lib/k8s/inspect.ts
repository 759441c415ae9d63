// Reading rendered objects back, for the kubernetes rules: they check what would really be applied, so a
// regression in the mapping is caught as surely as a spec that turns a safeguard off.
import type { Deployment } from "kubernetes-models/apps/v1";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { KubernetesEnvironment, KubernetesSpec } from "../spec/schema.ts";
import { buildManifests, type KubeObject } from "./manifests.ts";

const cache = new WeakMap<KubernetesSpec, KubeObject[]>();

/** The environment's objects, built once per parsed spec (rules are pure: the same spec gives the same objects). */
export function manifestsOf(env: KubernetesEnvironment): KubeObject[] {
  let objects = cache.get(env.spec);
  if (!objects) cache.set(env.spec, (objects = buildManifests(env)));
  return objects;
}

export const ofKind = <K extends KubeObject["kind"]>(objects: KubeObject[], kind: K) =>
  objects.filter((o): o is Extract<KubeObject, { kind: K }> => o.kind === kind);

export const gatewayDeployment = (objects: KubeObject[]): Deployment | undefined =>
  ofKind(objects, "Deployment").find((d) => d.metadata?.name === "gateway");

export const containersOf = (d: { spec?: { template: { spec?: { containers: IContainer[] } } } } | undefined): IContainer[] =>
  d?.spec?.template.spec?.containers ?? [];

/** Whether a selector's matchLabels pick pods with these labels. */
export const selects = (selector: { matchLabels?: Record<string, string> } | undefined, labels: Record<string, string> | undefined) =>
  !!selector?.matchLabels && Object.entries(selector.matchLabels).every(([k, v]) => labels?.[k] === v);
