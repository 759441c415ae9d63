// One side of a review: the synthesized stacks and the rule findings of a source tree (the working tree, or
// the base ref checked out in a temporary git worktree). Each side runs its own code, so a review compares
// what each version of gatekit would really deploy.
import { build } from "esbuild";
import { execa } from "execa";
import { readFile } from "node:fs/promises";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parse } from "yaml";
import type { Finding } from "../rules/index.ts";
import type { TfJson } from "./diff.ts";

export interface Snapshot {
  stacks: Map<string, TfJson>;
  findings: Finding[];
  /** Salt-key lock records by environment, as committed on this side. */
  saltLocks: Map<string, string>;
  /** `review.acknowledge_destructive` of each environment spec: Terraform address → reason. */
  acknowledged: Map<string, Map<string, string>>;
}

/**
 * Synthesizes `root` into `keepIn` (kept for `terraform plan`) or a temporary folder that is removed, running
 * `cli` (default: the tree's compiled `bin/gatekit.js`).
 */
export async function snapshotTree(root: string, keepIn?: string, cli = [join(root, "bin/gatekit.js")]): Promise<Snapshot> {
  const out = keepIn ?? mkdtempSync(join(tmpdir(), "gatekit-review-"));
  try {
    const run = (args: string[]) => execa("node", [...cli, ...args], { cwd: root, reject: false });
    const validate = await run(["validate", "--json", "--skip-secrets"]);
    if (validate.exitCode === 2) throw new Error(`${root}: specs could not be read:\n${validate.stderr || validate.stdout}`);
    const synth = await run(["synth", "--unchecked", "--out", out]);
    if (synth.exitCode !== 0) throw new Error(`${root}: synthesis failed:\n${synth.stderr || synth.stdout}`);
    return { stacks: readStacks(out), findings: JSON.parse(validate.stdout).findings as Finding[], saltLocks: readSaltLocks(root), acknowledged: readAcknowledged(root) };
  } finally {
    if (!keepIn) rmSync(out, { recursive: true, force: true });
  }
}

/** Checks `ref` out into a temporary worktree (sharing this checkout's node_modules) and snapshots it. */
export async function snapshotRef(repo: string, ref: string): Promise<Snapshot> {
  const dir = mkdtempSync(join(tmpdir(), "gatekit-base-"));
  await execa("git", ["worktree", "add", "--detach", "--quiet", dir, ref], { cwd: repo });
  try {
    symlinkSync(join(repo, "node_modules"), join(dir, "node_modules"));
    return await snapshotTree(dir, undefined, [await bundleCli(dir)]);
  } finally {
    await execa("git", ["worktree", "remove", "--force", dir], { cwd: repo, reject: false });
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A base checkout has no build: its CLI is bundled from its sources in a fraction of a second (npm packages stay
 * imports, found through the shared node_modules). Each lib/ module's import.meta.url stays its source file's, so
 * a rule's id is still its file name.
 */
async function bundleCli(dir: string): Promise<string> {
  const outdir = join(dir, ".gatekit/review-cli");
  await build({
    entryPoints: [join(dir, "lib/cli/main.ts")], outdir, bundle: true, splitting: true, format: "esm", platform: "node", target: "node20",
    packages: "external", logLevel: "error",
    plugins: [{
      name: "source-import-meta-url",
      setup(b) {
        // An identifier, not a string, takes its place: the text may also occur inside a string literal.
        b.onLoad({ filter: /\/lib\/.*\.ts$/ }, async (a) => ({
          loader: "ts",
          contents: `const __sourceUrl = ${JSON.stringify(pathToFileURL(a.path).href)};\n${(await readFile(a.path, "utf8")).replace(/\bimport\.meta\.url\b/g, "__sourceUrl")}`,
        }));
      },
    }],
  });
  return join(outdir, "main.js");
}

function readStacks(outdir: string): Map<string, TfJson> {
  const stacksDir = join(outdir, "stacks");
  const stacks = new Map<string, TfJson>();
  if (!existsSync(stacksDir)) return stacks;
  for (const name of readdirSync(stacksDir)) {
    const file = join(stacksDir, name, "cdk.tf.json");
    if (existsSync(file)) stacks.set(name, JSON.parse(readFileSync(file, "utf8")) as TfJson);
  }
  return stacks;
}

function readAcknowledged(root: string): Map<string, Map<string, string>> {
  const dir = join(root, "environments");
  const out = new Map<string, Map<string, string>>();
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir).filter((f) => f.endsWith(".yaml"))) {
    const spec = parse(readFileSync(join(dir, f), "utf8")) as { review?: { acknowledge_destructive?: { resource: string; reason: string }[] } } | null;
    const acks = spec?.review?.acknowledge_destructive ?? [];
    out.set(f.replace(/\.yaml$/, ""), new Map(acks.map((a) => [a.resource, a.reason])));
  }
  return out;
}

function readSaltLocks(root: string): Map<string, string> {
  const dir = join(root, "environments");
  const locks = new Map<string, string>();
  if (!existsSync(dir)) return locks;
  for (const f of readdirSync(dir).filter((f) => f.endsWith(".salt.json"))) {
    const lock = JSON.parse(readFileSync(join(dir, f), "utf8")) as { salt_key_sha256: string };
    locks.set(f.replace(/\.salt\.json$/, ""), lock.salt_key_sha256);
  }
  return locks;
}
