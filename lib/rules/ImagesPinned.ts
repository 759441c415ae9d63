import { containersOf, manifestsOf, ofKind } from "../k8s/inspect.ts";
import type { DockerEnvironment, KubernetesEnvironment } from "../spec/schema.ts";
import { ok, rule, type Violation } from "./rule.ts";

/** `postgres:16.4` is pinned, `postgres`, `postgres:latest` are not; a digest always is. */
export const isPinned = (image: string) => image.includes("@sha256:") || /:[^/:]+$/.test(image) && !/:latest$/.test(image);

/** Docker: the images the spec names (a bundled gateway is built here, from this checkout; `images: local` are gatekit's own tags). */
function dockerImages({ spec }: DockerEnvironment): [string, string][] {
  if (spec.images === "local") return [];
  const images: [string, string][] = [["postgres.image", spec.postgres.image]];
  if (spec.redis) images.push(["redis.image", spec.redis.image]);
  if ("name" in spec.gateway.image) images.push(["gateway.image.name", spec.gateway.image.name]);
  if (spec.gateway.instances > 1) images.push(["load_balancer.image", spec.load_balancer.image]);
  if (spec.monitoring.prometheus) images.push(["monitoring.prometheus.image", spec.monitoring.prometheus.image]);
  return images;
}

/** Kubernetes: every image a rendered pod pulls, the bundled gateway's tag included (the cluster pulls it too). */
function clusterImages(env: KubernetesEnvironment): [string, string][] {
  const objects = manifestsOf(env);
  const workloads = [...ofKind(objects, "Deployment"), ...ofKind(objects, "StatefulSet")];
  const pathOf: Record<string, string> = { gateway: "build" in env.spec.gateway.image ? "gateway.image.tag" : "gateway.image.name", postgres: "postgres.image", redis: "redis.image" };
  return workloads.flatMap((w) => containersOf(w).map((c): [string, string] => [pathOf[c.name] ?? `${w.kind}/${w.metadata?.name}`, c.image ?? ""]));
}

export default rule(import.meta.url, {
  severity: "error",
  info: "An unpinned image changes under a deployment: a redeploy, restart or rescheduled pod silently runs another version.",
  fix: "Pin every image to a version tag (postgres:16.4, redis:7.2.5, the gateway's registry tag) or a digest; never latest.",
  check: ({ env }) => {
    const images = env.spec.target === "kubernetes" ? clusterImages(env as KubernetesEnvironment) : dockerImages(env as DockerEnvironment);
    const out: Violation[] = images.filter(([, i]) => !isPinned(i)).map(([path, i]) => ({ path, message: `${i} is not pinned` }));
    return out.length ? out : ok;
  },
});
