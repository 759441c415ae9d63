import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadEnvironment, loadEnvironments, SpecError } from "../../lib/spec/load.ts";
import { secretRefs } from "../../lib/spec/secrets.ts";

const dir = mkdtempSync(join(tmpdir(), "gatekit-spec-"));
const prod = readFileSync("environments/prod.yaml", "utf8");
const prodK8s = readFileSync("environments/prod-k8s.yaml", "utf8");

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

  it("under a union, a typo gets the chosen branch's \"did you mean\" (gateway.image, kubernetes.postgres, state)", () => {
    const image = issuesOf(prod.replace('image: { build: bundled, tag: "gatekit/gateway:0.1.0" }', 'image: { build: bundled, tg: "gatekit/gateway:0.1.0" }'));
    expect(image).toContainEqual(expect.objectContaining({ path: "gateway.image.tg", message: "unknown key (did you mean tag?)" }));
    const pg = issuesOf(prodK8s.replace("postgres: { mode: managed, host:", "postgres: { mode: managed, hots:"), "k8s.yaml");
    expect(pg).toContainEqual(expect.objectContaining({ path: "kubernetes.postgres.hots", message: "unknown key (did you mean host?)" }));
    const sts = issuesOf(prodK8s.replace("postgres: { mode: managed, host: gatekit-prod.c9akciq32.eu-west-1.rds.amazonaws.com, port: 5432 }", "postgres: { mode: statefulset, storag: 20Gi }"), "k8s.yaml");
    expect(sts).toContainEqual(expect.objectContaining({ path: "kubernetes.postgres.storag", message: "unknown key (did you mean storage?)" }));
    const state = issuesOf(prod.replace("state: { backend: local }", "state: { backend: s3, bukcet: b, key: k, region: r }"));
    expect(state).toContainEqual(expect.objectContaining({ path: "state.bukcet", message: expect.stringMatching(/did you mean bucket\?/) }));
  });

  it("a value that fits no branch of a union lists the allowed forms, not zod's text", () => {
    const [issue] = issuesOf(prod.replace('image: { build: bundled, tag: "gatekit/gateway:0.1.0" }', "image: { build: docker, tag: x }"));
    expect(issue).toMatchObject({ path: "gateway.image", line: 16, message: 'matches none of the allowed forms: { build: "bundled", tag? } or { name }' });
    const [mode] = issuesOf(prodK8s.replace("postgres: { mode: managed,", "postgres: { mode: cloud,"), "k8s.yaml");
    expect(mode!.path).toBe("kubernetes.postgres.mode");
    expect(mode!.message).toMatch(/'managed' \| 'statefulset'; allowed forms: \{ mode: "managed", host, port\? \} or \{ mode: "statefulset", storage\?, storage_class\? \}$/);
  });

  it("a wrong type names the path and what is expected", () => {
    const issues = issuesOf(prod.replace("cpus: 4", "cpus: four"));
    expect(issues).toContainEqual(expect.objectContaining({ path: "host.cpus", message: expect.stringMatching(/^must be a number, not the text "four"/) }));
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
