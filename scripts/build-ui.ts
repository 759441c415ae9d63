// Builds the admin console (ui/) into static files for /ui: one hashed JS and one hashed CSS bundle (Preact,
// uPlot and the pages) and index.html naming them. Everything is local: the gateway serves these files and
// loads nothing from elsewhere. `npm run build:ui` writes dist/ui (found by a gateway run from source);
// bundle-gateway.ts writes dist/gateway/ui beside the bundle (the image's /app/ui).
import { build } from "esbuild";
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";

export const UI_OUTDIR = "dist/ui";

export async function buildUi(outdir = UI_OUTDIR): Promise<{ dir: string; files: { name: string; bytes: number }[] }> {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const result = await build({
    entryPoints: ["ui/main.tsx"],
    outdir,
    entryNames: "[name]-[hash]",
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    jsx: "automatic",
    jsxImportSource: "preact",
    minify: true,
    sourcemap: false,
    legalComments: "none",
    metafile: true,
    logLevel: "warning",
    tsconfig: "ui/tsconfig.json",
  });
  const outputs = Object.keys(result.metafile.outputs).map((f) => basename(f));
  const js = outputs.find((f) => f.endsWith(".js"));
  const css = outputs.find((f) => f.endsWith(".css"));
  if (!js || !css) throw new Error(`the console build made no JS or CSS bundle: ${outputs.join(", ")}`);
  writeFileSync(join(outdir, "index.html"), readFileSync("ui/page.html", "utf8").replace("%JS%", js).replace("%CSS%", css));
  const files = ["index.html", js, css].map((name) => ({ name, bytes: statSync(join(outdir, name)).size }));
  return { dir: outdir, files };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await buildUi(process.argv[2]);
  for (const f of r.files) console.log(`${join(r.dir, f.name)}: ${(f.bytes / 1024).toFixed(1)} KiB`);
}
