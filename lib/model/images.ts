// The image each service runs, by the spec's `images` switch: pinned registry references, or the tags
// `gatekit images build` makes from templates/ on the engine itself.
import type { Spec } from "../spec/schema.ts";
import type { ImageSource } from "./types.ts";

/** Tags of the locally built images; each names the version of what it carries. */
export const LOCAL_IMAGES = {
  gateway: "gatekit/gateway:local",
  postgres: "gatekit/postgres:16.14",
  redis: "gatekit/redis:7.0",
  load_balancer: "gatekit/haproxy:2.6",
  prometheus: "gatekit/prometheus:2.42",
} as const;
export type ImageRole = keyof typeof LOCAL_IMAGES;

export function imageFor(spec: Spec, role: ImageRole): ImageSource {
  const gatewayImage = spec.gateway.image;
  const local = spec.target === "docker" && spec.images === "local";
  if (role === "gateway") {
    if (!("build" in gatewayImage)) return { kind: local ? "local" : "pull", name: gatewayImage.name };
    return local
      ? { kind: "local", name: gatewayImage.tag }
      : { kind: "build", name: gatewayImage.tag, dockerfile: "templates/gateway.Dockerfile", buildArgs: {} };
  }
  if (local) return { kind: "local", name: LOCAL_IMAGES[role] };
  const docker = spec.target === "docker" ? spec : undefined;
  const pinned = { postgres: spec.postgres.image, redis: spec.redis?.image ?? "", load_balancer: docker?.load_balancer.image ?? "", prometheus: docker?.monitoring.prometheus?.image ?? "" }[role];
  return { kind: "pull", name: pinned };
}

/** Every locally built image an environment's stack runs: role → tag. */
export function localImagesOf(spec: Spec): Partial<Record<ImageRole, string>> {
  const balanced = spec.target === "docker" && spec.gateway.instances > 1;
  const watched = spec.target === "docker" && !!spec.monitoring.prometheus;
  const roles: ImageRole[] = [
    "gateway", "postgres", ...(spec.redis ? ["redis" as const] : []), ...(balanced ? ["load_balancer" as const] : []), ...(watched ? ["prometheus" as const] : []),
  ];
  return Object.fromEntries(roles.map((r) => [r, imageFor(spec, r)]).filter(([, i]) => (i as ImageSource).kind !== "pull").map(([r, i]) => [r, (i as ImageSource).name]));
}
