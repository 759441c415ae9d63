// `gatekit review` in a temporary git repository holding this project: each change is committed on top of
// a base, and the review of the working tree against the base says what it does.
import { execa } from "execa";
import { cpSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { gatekit, REPO } from "../support/cli.ts";
import { TEST_VARS } from "../support/vars.ts";

let repo: string;

async function makeRepo(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "gatekit-review-repo-"));
  // dist/: the working tree runs its compiled CLI, as a checkout after npm ci does (ignored, as in the project).
  for (const p of ["bin", "dist", "lib", "scripts", "stacks", "templates", "environments", "package.json", "tsconfig.json", "cdktf.json"]) cpSync(join(REPO, p), join(dir, p), { recursive: true });
  symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"));
  writeFileSync(join(dir, ".gitignore"), "node_modules\ncdktf.out\ndist\n");
  const git = (...a: string[]) => execa("git", a, { cwd: dir });
  await git("init", "-q", "-b", "main");
  await git("-c", "user.email=t@t", "-c", "user.name=t", "add", "-A");
  await git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "base");
  return dir;
}

const edit = (file: string, from: string | RegExp, to: string) => {
  const path = join(repo, file);
  const text = readFileSync(path, "utf8");
  const next = text.replace(from, to);
  expect(next, `edit of ${file} had no effect`).not.toBe(text);
  writeFileSync(path, next);
};

async function review(...extra: string[]) {
  const r = await gatekit(["review", "--base", "HEAD", "--json", ...extra], { cwd: repo, env: TEST_VARS });
  if (r.exitCode === 2) throw new Error(r.stderr);
  const out = JSON.parse(r.stdout);
  const stack = (name: string) => out.stacks.find((s: { diff: { stack: string } }) => s.diff.stack === name);
  return { exitCode: r.exitCode, out, stack };
}

describe("gatekit review", () => {
  beforeEach(async () => {
    repo = await makeRepo();
  }, 60_000);

  it("no change: every stack unchanged, exit 0", async () => {
    const r = await review();
    expect(r.exitCode).toBe(0);
    expect(r.out.stacks.map((s: { diff: { lifecycle: string } }) => s.diff.lifecycle)).toEqual(["unchanged", "unchanged", "unchanged", "unchanged"]);
  }, 120_000);

  it("--plan says plainly when terraform plan cannot run, and why", async () => {
    const r = await review("--plan");
    for (const s of r.out.stacks) expect(s.plan).toMatch(/^(terraform plan skipped: .*(not installed|mirror)|Plan: |No changes)/);
    expect(r.out.planNote).toBeUndefined();
  }, 300_000);

  it("adding a model changes the gateway's config and nothing destructive", async () => {
    edit("environments/prod.yaml", "  litellm_settings:\n", "    - model_name: gemini-pro\n      litellm_params: { model: gemini/gemini-2.5-pro, api_key: os.environ/GEMINI_API_KEY, timeout: 600 }\n  litellm_settings:\n");
    const r = await review();
    expect(r.exitCode).toBe(0);
    const prod = r.stack("prod");
    const loader = prod.diff.resources.find((x: { address: string }) => x.address === "docker_container.gateway_1_config");
    expect(loader.changes.map((c: { path: string }) => c.path)).toContain("upload[0].content");
    // The gateway reads its config at start: it is replaced with its config loader.
    const gw = prod.diff.resources.find((x: { address: string }) => x.address === "docker_container.gateway_1");
    expect(gw).toMatchObject({ action: "replace", forcedBy: ["replace_triggered_by docker_container.gateway_1_config"] });
    expect(prod.destructive).toEqual([]);
    expect(r.stack("staging").diff.lifecycle).toBe("unchanged");
  }, 120_000);

  it("more workers change the gateway, and breaking the pool budget is a new rule error (exit 1)", async () => {
    edit("environments/prod.yaml", "cpus: 4", "cpus: 12");
    edit("environments/prod.yaml", "memory: 8g", "memory: 16g");
    edit("environments/prod.yaml", "num_workers: 4", "num_workers: 12");
    const r = await review();
    const prod = r.stack("prod");
    expect(prod.diff.resources.find((x: { address: string }) => x.address === "docker_container.gateway_1").changes).toContainEqual({ path: "command[5]", before: "4", after: "12" });
    expect(prod.newFindings).toContainEqual(expect.objectContaining({ ruleId: "DbConnectionBudget", message: expect.stringContaining("10 pool × 12 workers × 1 instance + 10 reserved = 130 > max_connections 100") }));
    expect(r.exitCode).toBe(1);
  }, 120_000);

  it("renaming the Postgres volume is destructive until acknowledged", async () => {
    edit("environments/prod.yaml", "volume: gatekit-prod-pgdata", "volume: gatekit-prod-pgdata-v2");
    const r = await review();
    expect(r.stack("prod").destructive).toContainEqual(expect.objectContaining({ kind: "volume-removed", address: "docker_container.postgres" }));
    expect(r.exitCode).toBe(1);
    const acked = await review("--ack", "moving to the new volume after a pg_dump restore");
    expect(acked.exitCode).toBe(0);
  }, 180_000);

  it("a destructive change acknowledged in the spec, with a reason, passes", async () => {
    edit("environments/prod.yaml", "volume: gatekit-prod-pgdata", "volume: gatekit-prod-pgdata-v2");
    writeFileSync(join(repo, "environments/prod.yaml"), readFileSync(join(repo, "environments/prod.yaml"), "utf8") +
      "review:\n  acknowledge_destructive:\n    - { resource: docker_container.postgres, reason: restored from the nightly dump into the v2 volume }\n");
    const r = await review();
    expect(r.stack("prod").destructive[0].acknowledged).toMatch(/nightly dump/);
    expect(r.exitCode).toBe(0);
  }, 180_000);

  it("a new environment file appears as a created stack; a removed one as destroyed", async () => {
    const qa = readFileSync(join(repo, "environments/staging.yaml"), "utf8").replaceAll("gatekit-staging-", "gatekit-qa-").replace("port: 4100", "port: 4300").replace("health_port: 4101", "health_port: 4301").replace("host_port: 5436", "host_port: 5437").replace("host_port: 6381", "host_port: 6382");
    writeFileSync(join(repo, "environments/qa.yaml"), qa);
    await execa("rm", [join(repo, "environments/dev.yaml")]);
    const r = await review();
    expect(r.stack("qa").diff.lifecycle).toBe("created");
    expect(r.stack("dev").diff.lifecycle).toBe("destroyed");
    expect(r.stack("dev").destructive).toContainEqual(expect.objectContaining({ kind: "environment-removed" }));
    const md = await gatekit(["review", "--base", "HEAD"], { cwd: repo, env: TEST_VARS });
    expect(md.stdout).toMatch(/\*\*qa\*\* — created: \d+ to add/);
    expect(md.stdout).toMatch(/\*\*dev\*\* — DESTROYED/);
  }, 180_000);

  it("a changed salt key is refused by validation, and a recorded rotation shows in the review", async () => {
    const record = await gatekit(["salt-key", "record", "prod"], { cwd: repo, env: TEST_VARS });
    expect(record.exitCode, record.stderr).toBe(0);
    await execa("git", ["add", "environments/prod.salt.json"], { cwd: repo });
    await execa("git", ["-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "record salt"], { cwd: repo });
    const otherSalt = { ...TEST_VARS, LITELLM_SALT_KEY: "a-completely-different-salt-key-99" };
    const refused = await gatekit(["validate", "prod"], { cwd: repo, env: otherSalt });
    expect(refused.exitCode).toBe(1);
    expect(refused.stdout).toMatch(/SaltKeySet .* does not match the fingerprint recorded/);
    expect(refused.stdout).not.toContain("a-completely-different-salt-key-99");
    expect((await gatekit(["salt-key", "rotate", "prod", "--reason", "annual rotation, credentials re-encrypted"], { cwd: repo, env: otherSalt })).exitCode).toBe(0);
    expect((await gatekit(["validate", "prod"], { cwd: repo, env: otherSalt })).exitCode).toBe(0);
    const r = await review();
    expect(r.stack("prod").destructive).toContainEqual(expect.objectContaining({ kind: "salt-key-changed" }));
    expect(r.exitCode).toBe(1);
  }, 180_000);
});
