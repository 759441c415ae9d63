// Once per vitest run, before any test file: the tests spawn the compiled CLI and gateway (bin/gatekit.js runs
// dist/), so dist/ is rebuilt when any source under lib/ or stacks/ is newer than the last build.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "./cli.ts";

const STAMP = join(REPO, "dist/lib/cli/main.js");

function newestSource(): number {
  let newest = 0;
  for (const dir of ["lib", "stacks", "scripts"]) {
    for (const f of readdirSync(join(REPO, dir), { recursive: true, encoding: "utf8" })) {
      newest = Math.max(newest, statSync(join(REPO, dir, f)).mtimeMs);
    }
  }
  return newest;
}

export default function setup(): void {
  if (existsSync(STAMP) && statSync(STAMP).mtimeMs >= newestSource()) return;
  console.log("dist/ is older than the sources: npm run build");
  execFileSync("npm", ["run", "build", "--silent"], { cwd: REPO, stdio: "inherit" });
}
