// Bundles the gateway (lib/gateway/main.ts) into one file, dist/gateway/gateway.mjs: the image's entrypoint, and
// what `npm start`'s workers run (one file loads in half the time of the compiled tree's modules). Fails if
// anything of the deployment side (cdktf, constructs, the Docker provider) slipped into the gateway's imports.
import { build } from "esbuild";
import { cpSync, rmSync, statSync } from "node:fs";
import { buildUi } from "./build-ui.ts";

const FORBIDDEN = /node_modules\/(cdktf|constructs|@cdktf)\/|lib\/(infra|rules|spec|review|model)\//;
export const OUTFILE = "dist/gateway/gateway.mjs";
/** The admin console's files beside the bundle (the gateway looks for ./ui/ next to itself). */
export const UI_DIR = "dist/gateway/ui";

/** `builtUi`: a console already built (npm run build's dist/ui), copied instead of built again. */
export async function bundleGateway(builtUi?: string): Promise<{ file: string; bytes: number; inputs: number }> {
  const result = await build({
    entryPoints: ["lib/gateway/main.ts"],
    outfile: OUTFILE,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    minify: process.env.GATEKIT_BUNDLE_MINIFY !== "0",
    sourcemap: false,
    metafile: true,
    legalComments: "none",
    // CommonJS dependencies (pino) call require(); give the ESM bundle one.
    banner: { js: "import { createRequire as __gatekitRequire } from 'node:module'; const require = __gatekitRequire(import.meta.url);" },
    logLevel: "warning",
    // The embedded database is for local runs; an image always has a real Postgres (DATABASE_URL).
    external: ["@electric-sql/pglite", "@electric-sql/pglite-socket"],
  });
  const inputs = Object.keys(result.metafile.inputs);
  const leaked = inputs.filter((i) => FORBIDDEN.test(i));
  if (leaked.length) throw new Error(`the gateway bundle must not include deployment code, found:\n  ${leaked.slice(0, 10).join("\n  ")}`);
  if (builtUi) rmSync(UI_DIR, { recursive: true, force: true }), cpSync(builtUi, UI_DIR, { recursive: true });
  else await buildUi(UI_DIR);
  return { file: OUTFILE, bytes: statSync(OUTFILE).size, inputs: inputs.length };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await bundleGateway();
  console.log(`${r.file}: ${(r.bytes / 1024).toFixed(0)} KiB from ${r.inputs} modules`);
}
