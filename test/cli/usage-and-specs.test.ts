// What the command line does with mistakes, never a stack trace: unknown options and unreadable specs are usage
// errors (exit 2) with the command's usage; salt-key reads .env like validate; synth/deploy refuse to skip the
// cross-environment check when another spec can't be read; slack alerting makes SLACK_WEBHOOK_URL a secret.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { fingerprint } from "../../lib/spec/salt-lock.ts";
import { gatekit, REPO } from "../support/cli.ts";
import { TEST_VARS } from "../support/vars.ts";

const ALL_UNSET = Object.fromEntries(Object.keys(TEST_VARS).map((k) => [k, undefined]));
const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at .*[(:]|TypeError|node:internal/);

/** A scratch project: a copy of environments/ (optionally edited), run from there. */
function project(edit: (dir: string) => void = () => {}): string {
  const dir = mkdtempSync(join(tmpdir(), "gatekit-cli-"));
  cpSync(join(REPO, "environments"), join(dir, "environments"), { recursive: true });
  edit(dir);
  return dir;
}

describe("usage errors", () => {
  it("an unknown option: the command, the problem and its usage, exit 2", async () => {
    for (const cmd of ["validate", "status", "logs", "restart", "check", "synth"]) {
      const r = await gatekit([cmd, "dev", "--bogus"]);
      expect(r.exitCode, cmd).toBe(2);
      expect(r.stderr).toContain(`gatekit ${cmd}: Unknown option '--bogus'`);
      expect(r.stderr).toContain(`usage: gatekit ${cmd}`);
      noStack(r.stderr);
    }
    const missing = await gatekit(["logs", "dev", "--since"]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain("gatekit logs: Option '--since <value>' argument missing");
  });

  it("status, logs and restart have --help (exit 0)", async () => {
    for (const cmd of ["status", "logs", "restart"]) {
      const r = await gatekit([cmd, "--help"]);
      expect(r.exitCode, cmd).toBe(0);
      expect(r.stdout).toContain(`usage: gatekit ${cmd} <env>`);
      expect(r.stdout).toMatch(/Exit 0: .*\n?.*1: /);
    }
  });

  it("a spec that can't be read is named, exit 2, for every command", async () => {
    for (const args of [["salt-key", "record", "nope"], ["status", "nope"], ["logs", "nope"], ["synth", "nope"], ["check", "nope"]]) {
      const r = await gatekit(args, { env: TEST_VARS });
      expect(r.exitCode, args.join(" ")).toBe(2);
      expect(r.stderr).toContain("environments/nope.yaml (file): no such environment spec (known: dev, prod-k8s, prod, staging)");
      noStack(r.stderr);
    }
  });
});

describe("salt-key", () => {
  it("reads the salt key from .env, as validate does, and never prints it", async () => {
    const salt = "salt-from-dotenv-0123456789abcdef0123";
    const cwd = project((dir) => writeFileSync(join(dir, ".env"), `LITELLM_SALT_KEY=${salt}\n`));
    const r = await gatekit(["salt-key", "record", "dev"], { cwd, env: { LITELLM_SALT_KEY: undefined } });
    expect(r.exitCode, r.stderr).toBe(0);
    const lock = JSON.parse(readFileSync(join(cwd, "environments/dev.salt.json"), "utf8"));
    expect(lock.salt_key_sha256).toBe(fingerprint(salt));
    expect(r.stdout + r.stderr).not.toContain(salt);
    // The environment still wins over .env: a different key is a rotation, refused by record.
    const other = await gatekit(["salt-key", "record", "dev"], { cwd, env: { LITELLM_SALT_KEY: "another-salt-key-0123456789abcdef" } });
    expect(other.exitCode).toBe(1);
    expect(other.stderr).toContain("differs from the recorded key");
  });
});

describe("another spec that can't be read", () => {
  const broken = () => project((dir) => writeFileSync(join(dir, "environments/broken.yaml"), "gateway: [\n"));

  it("synth <env> stops (exit 2) naming it, since the cross-environment check would be incomplete; --unchecked warns and goes on", async () => {
    const cwd = broken();
    const r = await gatekit(["synth", "dev", "--out", join(cwd, "out")], { cwd, env: TEST_VARS });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("gatekit synth: environments/broken.yaml could not be read, so the cross-environment check (NoSharedHostResources");
    expect(r.stderr).toContain("Fix it (or move it out of environments/) and run again.");
    expect(existsSync(join(cwd, "out/stacks/dev/cdk.tf.json"))).toBe(false);
    const u = await gatekit(["synth", "dev", "--out", join(cwd, "out"), "--unchecked"], { cwd, env: TEST_VARS });
    expect(u.exitCode, u.stderr).toBe(0);
    expect(u.stderr).toContain("warning: skipped environments/broken.yaml");
    expect(u.stderr).toContain("is incomplete");
    expect(existsSync(join(cwd, "out/stacks/dev/cdk.tf.json"))).toBe(true);
  }, 60_000);

  it("deploy stops the same way before changing anything", async () => {
    const cwd = broken();
    const r = await gatekit(["deploy", "dev", "--out", join(cwd, "out")], { cwd, env: TEST_VARS });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("gatekit deploy: environments/broken.yaml could not be read");
    expect(existsSync(join(cwd, "out"))).toBe(false);
  }, 60_000);

  it("the check still runs against the readable ones: a copy of dev on dev's ports is refused", async () => {
    const cwd = project((dir) => {
      const spec = parse(readFileSync(join(dir, "environments/dev.yaml"), "utf8"));
      writeFileSync(join(dir, "environments/twin.yaml"), stringify(spec));
      writeFileSync(join(dir, "environments/broken.yaml"), "gateway: [\n");
    });
    const r = await gatekit(["synth", "twin", "--out", join(cwd, "out"), "--unchecked", "--json"], { cwd, env: TEST_VARS });
    expect(JSON.parse(r.stdout).findings).toContainEqual(expect.objectContaining({ ruleId: "NoSharedHostResources", environment: "twin" }));
  }, 60_000);
});

describe("slack alerting", () => {
  const webhook = "https://hooks.slack.com/services/T000/B000/very-secret-webhook";
  const specWith = (settings: (litellm: Record<string, any>) => void) => {
    const cwd = mkdtempSync(join(tmpdir(), "gatekit-slack-")); // no environments/ here: no other specs
    const spec = parse(readFileSync(join(REPO, "environments/dev.yaml"), "utf8"));
    settings(spec.litellm);
    writeFileSync(join(cwd, "alerts.yaml"), stringify(spec));
    return { cwd, file: join(cwd, "alerts.yaml") };
  };

  it("alerting: [slack] makes SLACK_WEBHOOK_URL a sensitive input of the stack and the gateway's env, its value nowhere in the output", async () => {
    const { cwd, file } = specWith((l) => (l.general_settings.alerting = ["slack"]));
    const r = await gatekit(["synth", file, "--out", join(cwd, "out")], { cwd, env: { ...TEST_VARS, SLACK_WEBHOOK_URL: webhook } });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const stack = JSON.parse(readFileSync(join(cwd, "out/stacks/alerts/cdk.tf.json"), "utf8"));
    expect(stack.variable.slack_webhook_url).toMatchObject({ sensitive: true, type: "string" });
    expect(stack.variable.slack_webhook_url.default).toBeUndefined();
    expect(stack.resource.docker_container.gateway_1.env).toContain("SLACK_WEBHOOK_URL=${var.slack_webhook_url}");
    const files = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
    for (const f of files(join(cwd, "out"))) expect(readFileSync(f, "utf8"), f).not.toContain("very-secret-webhook");
  }, 60_000);

  it("validate reports SLACK_WEBHOOK_URL missing, for alerting and for failure_callback", async () => {
    for (const [where, set] of [
      ["general_settings.alerting", (l: Record<string, any>) => (l.general_settings.alerting = ["slack"])],
      ["litellm_settings.failure_callback", (l: Record<string, any>) => (l.litellm_settings.failure_callback = ["slack"])],
    ] as const) {
      const { cwd, file } = specWith(set);
      const r = await gatekit(["validate", file], { cwd, env: { ...TEST_VARS, SLACK_WEBHOOK_URL: undefined } });
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toContain(`SecretsPresent ${file} litellm.${where}: SLACK_WEBHOOK_URL is not set`);
      const ok = await gatekit(["validate", file, "--skip-secrets"], { cwd, env: { ...TEST_VARS, SLACK_WEBHOOK_URL: undefined } });
      expect(ok.stdout).not.toContain("SLACK_WEBHOOK_URL");
    }
    // Without slack alerting, no webhook is asked for.
    const { cwd, file } = specWith(() => {});
    expect((await gatekit(["validate", file], { cwd, env: { ...TEST_VARS, SLACK_WEBHOOK_URL: undefined } })).stdout).not.toContain("SLACK_WEBHOOK_URL");
  }, 60_000);
});
