#!/usr/bin/env node
// The `gatekit` command: the compiled CLI in dist/ (npm ci's prepare step builds it; `npm run build` again after
// editing lib/). No TypeScript compiler on the runtime path.
import { existsSync } from "node:fs";

const main = new URL("../dist/lib/cli/main.js", import.meta.url);
if (!existsSync(main)) {
  console.error("gatekit: the compiled CLI is missing (dist/lib/cli/main.js). Build it with `npm run build` in the checkout (npm ci does it).");
  process.exit(2);
}
await import(main.href);
