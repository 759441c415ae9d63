// gatekit images build [env|image …]: the local images air-gapped hosts and CI deploy.
import { parseArgs } from "node:util";
import { buildImages, ImageBuildError, LOCAL_IMAGES, type ImageName } from "../../images/build.ts";
import { localImagesOf } from "../../model/images.ts";
import { listEnvironmentFiles, loadEnvironment, SpecError } from "../../spec/load.ts";

export const HELP = `usage: gatekit images build [env|image …]

Builds local images without a registry: for an environment, every image its stack runs from a local build
(gateway, postgres, redis, and the load balancer with several instances); or the named images
(${Object.keys(LOCAL_IMAGES).join(", ")}); all of them by default. Bases come from debootstrap when missing;
Docker's cache makes rebuilds quick. Needs a Docker engine and debootstrap.`;

export async function run(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { help: { type: "boolean", short: "h" } } });
  const [action, ...names] = positionals;
  if (values.help) return console.log(HELP), 0;
  if (action !== "build") return console.error(HELP), 2;
  let wanted: Partial<Record<ImageName, string>> | ImageName[];
  try {
    wanted = await imagesFor(names);
  } catch (e) {
    if (!(e instanceof SpecError) && !(e instanceof UnknownImage)) throw e;
    return console.error(`gatekit images: ${e.message}`), 2;
  }
  try {
    const built = await buildImages(wanted, { log: (l) => console.log(l) });
    console.log(`ready: ${Object.values(built).join(", ")}`);
    return 0;
  } catch (e) {
    if (!(e instanceof ImageBuildError)) throw e;
    console.error(`gatekit images: ${e.message}`);
    return 1;
  }
}

class UnknownImage extends Error {}

/** Environments' images (by their tags) and named images; every image when nothing is named. */
async function imagesFor(names: string[]): Promise<Partial<Record<ImageName, string>> | ImageName[]> {
  if (!names.length) return Object.keys(LOCAL_IMAGES) as ImageName[];
  const envs = new Set(listEnvironmentFiles().map((f) => f.replace(/^.*\//, "").replace(/\.yaml$/, "")));
  const tags: Partial<Record<ImageName, string>> = {};
  for (const name of names) {
    if (name in LOCAL_IMAGES) tags[name as ImageName] ??= LOCAL_IMAGES[name as ImageName];
    else if (envs.has(name)) Object.assign(tags, localImagesOf(loadEnvironment(name).spec));
    else throw new UnknownImage(`unknown environment or image "${name}" (environments: ${[...envs].join(", ")}; images: ${Object.keys(LOCAL_IMAGES).join(", ")})`);
  }
  return tags;
}
