// gatekit images build [gateway|postgres|redis …]: the local images air-gapped hosts and CI deploy.
import { parseArgs } from "node:util";
import { buildImages, ImageBuildError, LOCAL_IMAGES, type ImageName } from "../../images/build.ts";

const HELP = `usage: gatekit images build [gateway|postgres|redis …]

Builds local images without a registry (all three by default): bases from debootstrap, the gateway from
templates/gateway.Dockerfile, PostgreSQL 16 and Redis 7 from templates/. Needs a Docker engine and debootstrap.`;

export async function run(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { help: { type: "boolean", short: "h" } } });
  const [action, ...names] = positionals;
  if (values.help) return console.log(HELP), 0;
  if (action !== "build") return console.error(HELP), 2;
  const unknown = names.filter((n) => !(n in LOCAL_IMAGES));
  if (unknown.length) return console.error(`gatekit images: unknown image ${unknown.join(", ")} (known: ${Object.keys(LOCAL_IMAGES).join(", ")})`), 2;
  try {
    await buildImages((names.length ? names : Object.keys(LOCAL_IMAGES)) as ImageName[], { log: (l) => console.log(l) });
    return 0;
  } catch (e) {
    if (!(e instanceof ImageBuildError)) throw e;
    console.error(`gatekit images: ${e.message}`);
    return 1;
  }
}
