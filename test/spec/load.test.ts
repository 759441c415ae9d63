import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadEnvironment, loadEnvironments, SpecError } from "../../lib/spec/load.ts";
import { secretRefs } from "../../lib/spec/secrets.ts";

const dir = mkdtempSync(join(tmpdir(), "gatekit-spec-"));
const prod = readFileSync("environments/prod.yaml", "utf8");

function issuesOf(text: string, name = "broken.yaml") {
  const file = join(dir, name);
  writeFileSync(file, text);
  try {
    loadEnvironment(file);
  } catch (e) {
    expect(e).toBeInstanceOf(SpecError);
    return (e as SpecError).issues;
  }
  throw new Error("expected the spec to be refused");
}

describe("environment spec", () => {
  it("loads the shipped environments, named by file, with docker as the default target", () => {
    expect(loadEnvironments().map((e) => [e.name, e.spec.target])).toEqual([["dev", "docker"], ["prod-k8s", "kubernetes"], ["prod", "docker"], ["staging", "docker"]]);
  });

  it("a typo is an unknown key, with file, line, path and a suggestion", () => {
    const issues = issuesOf(prod.replace("  num_workers: 4", "  num_workers: 4\n  graceful_shutdown_timout: 30"));
    const typo = issues.find((i) => i.path === "gateway.graceful_shutdown_timout")!;
    expect(typo.message).toMatch(/unknown key.*did you mean graceful_shutdown_timeout/);
    expect(typo.line).toBe(11);
    expect(typo.file).toContain("broken.yaml");
  });

  it("a typo inside the LiteLLM config is caught too", () => {
    const issues = issuesOf(prod.replace("    allowed_fails: 3", "    allowed_fail: 3"));
    expect(issues).toContainEqual(expect.objectContaining({ path: "litellm.router_settings.allowed_fail", message: expect.stringMatching(/did you mean allowed_fails/) }));
  });

  it("a wrong type names the path and what is expected", () => {
    const issues = issuesOf(prod.replace("cpus: 4", "cpus: four"));
    expect(issues).toContainEqual(expect.objectContaining({ path: "host.cpus", message: expect.stringMatching(/expected number/) }));
  });

  it("a literal secret is refused: secrets are os.environ/ references only", () => {
    const issues = issuesOf(prod.replace("password: os.environ/POSTGRES_PASSWORD", "password: hunter2"));
    const issue = issues.find((i) => i.path === "postgres.password")!;
    expect(issue.message).toMatch(/os\.environ\/VARIABLE_NAME/);
    expect(JSON.stringify(issues)).not.toContain("hunter2");
  });

  it("unreadable YAML and a missing file are reported, every file at once", () => {
    expect(issuesOf("host: [unclosed", "bad-yaml.yaml")[0]!.message).toMatch(/YAML/);
    try {
      loadEnvironments([join(dir, "bad-yaml.yaml"), "no-such-env"]);
    } catch (e) {
      expect((e as SpecError).issues.map((i) => i.message).join("\n")).toMatch(/YAML[\s\S]*no such environment spec \(known: dev, prod-k8s, prod, staging\)/);
    }
  });

  it("lists every secret reference with its path", () => {
    const refs = secretRefs(loadEnvironment("prod").spec);
    expect(refs).toContainEqual({ path: "secrets.master_key", variable: "LITELLM_MASTER_KEY" });
    expect(refs).toContainEqual({ path: "litellm.model_list[1].litellm_params.api_key", variable: "GEMINI_API_KEY" });
  });
});
