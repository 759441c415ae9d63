// `npm run build` (and npm ci's prepare step): every .ts under lib/ and stacks/ compiled to dist/ with imports
// rewritten to .js (tsconfig.build.json), and every other file under lib/ (HTML, CSS, JSON a module reads next
// to itself) copied beside it, so a new folder under lib/ needs no build edit. Type checking is `npm run typecheck`.
// Then the gateway bundle (dist/gateway, which `npm start`'s workers run) and, once per PGlite version, the
// embedded database's empty data folder (dist/pglite-template): `npm start`'s first start copies it instead of
// running initdb (6 s of WASM) itself.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { buildUi, UI_OUTDIR } from "./build-ui.ts";
import { bundleGateway } from "./bundle-gateway.ts";

const OUT = ["dist/lib", "dist/stacks", "dist/scripts"];
const started = Date.now();
for (const dir of OUT) rmSync(dir, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { stdio: "inherit" });

let assets = 0;
for (const entry of readdirSync("lib", { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || entry.name.endsWith(".ts")) continue;
  const from = join(entry.parentPath, entry.name);
  cpSync(from, join("dist", from));
  assets++;
}
await buildUi(); // the admin console's files, dist/ui (served at /ui)
await bundleGateway(UI_OUTDIR);
await pgliteTemplate();
console.log(`gatekit: compiled lib/ and stacks/ to dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s${assets ? ` (${assets} other files copied)` : ""}`);

/** An initdb'd PGlite data folder, made again only when the installed PGlite changes. */
async function pgliteTemplate(): Promise<void> {
  const dir = "dist/pglite-template";
  const version = (JSON.parse(readFileSync("node_modules/@electric-sql/pglite/package.json", "utf8")) as { version: string }).version;
  const marker = `${dir}.version`;
  if (existsSync(join(dir, "PG_VERSION")) && existsSync(marker) && readFileSync(marker, "utf8") === version) return;
  rmSync(dir, { recursive: true, force: true });
  const { PGlite } = await import("@electric-sql/pglite");
  const db = await PGlite.create(dir);
  await db.close();
  writeFileSync(marker, version);
}
