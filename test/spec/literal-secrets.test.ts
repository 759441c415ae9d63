// Secrets written as literal text anywhere in a spec's LiteLLM config are refused before anything is built:
// loading names the file, the field and what is allowed; synth and render exit 2 and write no literal.
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildManifests } from "../../lib/k8s/manifests.ts";
import { renderGatewayConfig, resolveEnvironment } from "../../lib/model/resolve.ts";
import { loadEnvironment, SpecError } from "../../lib/spec/load.ts";
import { gatekit } from "../support/cli.ts";
import { shipped } from "../support/specs.ts";
import { TEST_VARS } from "../support/vars.ts";

const dir = mkdtempSync(join(tmpdir(), "gatekit-literal-"));
const prod = readFileSync("environments/prod.yaml", "utf8");
const prodK8s = readFileSync("environments/prod-k8s.yaml", "utf8");

/** Each place a secret can be written as text, the replacement that writes one there, and the field path. */
const LEAKS: { field: string; from: string; to: string }[] = [
  { field: "litellm.router_settings.redis_password", from: "    redis_password: os.environ/REDIS_PASSWORD", to: "    redis_password: CANARY-router-redis-pw" },
  { field: "litellm.litellm_settings.cache_params.password", from: "      password: os.environ/REDIS_PASSWORD", to: "      password: CANARY-cache-pw" },
  { field: "litellm.general_settings.master_key", from: "    master_key: os.environ/LITELLM_MASTER_KEY\n    database_url", to: "    master_key: sk-CANARY-literal-master-key-0123456789\n    database_url" },
  { field: "litellm.general_settings.database_url", from: "    database_url: os.environ/DATABASE_URL", to: "    database_url: CANARY-db-url" },
  { field: "litellm.model_list[1].litellm_params.api_key", from: "api_key: os.environ/GEMINI_API_KEY", to: "api_key: CANARY-gemini-key" },
  { field: "litellm.environment_variables.SLACK_WEBHOOK_URL", from: "  general_settings:", to: "  environment_variables:\n    SLACK_WEBHOOK_URL: https://hooks.slack.com/services/CANARY/XYZ\n  general_settings:" },
  { field: "litellm.environment_variables.OPENAI_API_KEY", from: "  general_settings:", to: "  environment_variables:\n    OPENAI_API_KEY: CANARY-openai\n  general_settings:" },
  { field: "litellm.router_settings.redis_url", from: "    redis_host:", to: "    redis_url: redis://default:CANARY-url-pw@redis:6379\n    redis_host:" },
];

const write = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

function refusal(file: string) {
  try {
    loadEnvironment(file);
  } catch (e) {
    expect(e).toBeInstanceOf(SpecError);
    return (e as SpecError).issues;
  }
  throw new Error(`expected ${file} to be refused`);
}

const walk = (d: string): string[] => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]));
const canary = (to: string) => /CANARY[^\s"]*/.exec(to)![0];

describe("literal secrets in a spec", () => {
  for (const [target, base] of [["docker", prod], ["kubernetes", prodK8s]] as const) {
    for (const leak of LEAKS) {
      it(`${target}: ${leak.field} as text is refused, naming the file, the field and what is allowed`, () => {
        expect(base).toContain(leak.from);
        const file = write(`${target}-${leak.field.replace(/\W+/g, "-")}.yaml`, base.replace(leak.from, leak.to));
        const issues = refusal(file);
        const issue = issues.find((i) => i.path === leak.field);
        expect(issue, JSON.stringify(issues)).toBeDefined();
        expect(issue!.file).toBe(file);
        expect(issue!.line).toBeGreaterThan(0);
        expect(issue!.message).toMatch(/only a reference of the form os\.environ\/VARIABLE_NAME is allowed/);
        expect(JSON.stringify(issues)).not.toContain(canary(leak.to));
      });
    }
  }

  it("references are fine there, and so is a variable whose name holds no secret", () => {
    const refs = prod.replace("  general_settings:", "  environment_variables:\n    SLACK_WEBHOOK_URL: os.environ/SLACK_WEBHOOK_URL\n    LITELLM_LOG_FORMAT: json\n  general_settings:");
    expect(loadEnvironment(write("refs.yaml", refs)).spec.litellm.environment_variables).toEqual({ SLACK_WEBHOOK_URL: "os.environ/SLACK_WEBHOOK_URL", LITELLM_LOG_FORMAT: "json" });
  });

  it("gatekit synth and render refuse (exit 2), and no literal reaches their output", async () => {
    // All at once (one environment_variables section: the first of the two).
    const all = LEAKS.filter((l) => l.field !== "litellm.environment_variables.OPENAI_API_KEY");
    const docker = write("leak.yaml", all.reduce((t, l) => t.replace(l.from, l.to), prod));
    const k8s = write("leak-k8s.yaml", all.reduce((t, l) => t.replace(l.from, l.to), prodK8s));
    const out = mkdtempSync(join(tmpdir(), "gatekit-literal-out-"));
    const runs = await Promise.all([
      gatekit(["synth", docker, "--out", out], { env: TEST_VARS }),
      gatekit(["synth", k8s, "--out", out], { env: TEST_VARS }),
      gatekit(["render", k8s, "--format", "yaml"], { env: TEST_VARS }),
      gatekit(["render", k8s, "--format", "yaml", "--out", out, "--split"], { env: TEST_VARS }),
    ]);
    for (const r of runs) {
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stderr).toContain("litellm.router_settings.redis_password");
      for (const l of LEAKS) expect(r.stdout + r.stderr).not.toContain(canary(l.to));
    }
    for (const f of walk(out)) for (const l of LEAKS) expect(readFileSync(f, "utf8")).not.toContain(canary(l.to));
  }, 60_000);

  it("a spec built in code (not loaded) with a literal secret is refused when its config is rendered, on both targets", () => {
    const env = shipped("prod");
    env.spec.litellm.router_settings.redis_password = "CANARY-in-code";
    expect(() => renderGatewayConfig(env.spec)).toThrow(/litellm\.router_settings\.redis_password: .*os\.environ\/VARIABLE_NAME/);
    expect(() => resolveEnvironment(env)).toThrow(/refusing to render config\.yaml/);
    const k8s = shipped("prod-k8s");
    k8s.spec.litellm.environment_variables = { GITHUB_TOKEN: "CANARY-token" };
    let message = "";
    try {
      buildManifests(k8s);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/litellm\.environment_variables\.GITHUB_TOKEN/);
    expect(message).not.toContain("CANARY");
  });
});
