import { ok, rule, type Violation } from "./rule.ts";

/** `postgres:16.4` is pinned, `postgres`, `postgres:latest` are not; a digest always is. */
export const isPinned = (image: string) => image.includes("@sha256:") || /:[^/:]+$/.test(image) && !/:latest$/.test(image);

export default rule(import.meta.url, {
  severity: "error",
  info: "An unpinned image changes under a deployment: a redeploy or restart silently runs another version.",
  fix: "Pin every image to a version tag (postgres:16.4, redis:7.2.5) or a digest; never latest.",
  check: ({ env }) => {
    const { gateway, postgres, redis, load_balancer, images: source } = env.spec;
    if (source === "local") return ok; // gatekit's own tags, built from this repository
    const images: [string, string][] = [["postgres.image", postgres.image]];
    if (redis) images.push(["redis.image", redis.image]);
    if ("name" in gateway.image) images.push(["gateway.image.name", gateway.image.name]);
    if (gateway.instances > 1) images.push(["load_balancer.image", load_balancer.image]);
    const out: Violation[] = images.filter(([, i]) => !isPinned(i)).map(([path, i]) => ({ path, message: `${i} is not pinned` }));
    return out.length ? out : ok;
  },
});
