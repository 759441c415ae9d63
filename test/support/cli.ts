// Runs the real `gatekit` command (bin/gatekit.js) as a user would, in the repository or another folder.
import { execa } from "execa";
import { fileURLToPath } from "node:url";

export const REPO = fileURLToPath(new URL("../../", import.meta.url));
export const BIN = `${REPO}bin/gatekit.js`;

export function gatekit(args: string[], opts: { cwd?: string; env?: Record<string, string | undefined> } = {}) {
  return execa("node", [BIN, ...args], { cwd: opts.cwd ?? REPO, env: opts.env, extendEnv: true, reject: false });
}
