#!/usr/bin/env node
// The `gatekit` command runs the TypeScript sources of a checkout directly through tsx's loader.
import { register } from "tsx/esm/api";

register();
await import("../lib/cli/main.ts");
