// `npm run build` (and npm ci's prepare step): every .ts under lib/ and stacks/ compiled to dist/ with imports
// rewritten to .js (tsconfig.build.json), and every other file under lib/ (HTML, CSS, JSON a module reads next
// to itself) copied beside it, so a new folder under lib/ needs no build edit. Type checking is `npm run typecheck`.
import { execFileSync } from "node:child_process";
import { cpSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

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
console.log(`gatekit: compiled lib/ and stacks/ to dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s${assets ? ` (${assets} other files copied)` : ""}`);
