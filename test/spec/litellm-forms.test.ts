// `gatekit validate` on a spec's litellm section: LiteLLM's forms are accepted, a key neither LiteLLM nor
// gatekit knows is an error with "did you mean", and a LiteLLM feature the bundled gateway does not implement is
// a warning (LitellmFeaturesServed) that says LiteLLM's image would serve it.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import LitellmFeaturesServed from "../../lib/rules/LitellmFeaturesServed.ts";
import { loadEnvironment, SpecError } from "../../lib/spec/load.ts";

const dir = mkdtempSync(join(tmpdir(), "gatekit-litellm-forms-"));
const prod = readFileSync("environments/prod.yaml", "utf8");
const write = (text: string) => {
  const file = join(dir, `s${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, text);
  return file;
};
const issuesOf = (text: string) => {
  try {
    loadEnvironment(write(text));
  } catch (e) {
    expect(e).toBeInstanceOf(SpecError);
    return (e as SpecError).issues;
  }
  throw new Error("expected the spec to be refused");
};
const findings = (env: ReturnType<typeof loadEnvironment>) => LitellmFeaturesServed.check({ env, all: [env], vars: {} });

describe("a spec's litellm section", () => {
  it("accepts LiteLLM's forms: api_base from os.environ, null as unset, 20_000", () => {
    const text = prod
      .replace("        api_base: https://ollama.com", "        api_base: os.environ/OLLAMA_API_BASE\n        organization: null\n        tpm: 20_000");
    const env = loadEnvironment(write(text));
    expect(env.spec.litellm.model_list[0]!.litellm_params).toMatchObject({ api_base: "os.environ/OLLAMA_API_BASE", tpm: 20000 });
    expect("organization" in env.spec.litellm.model_list[0]!.litellm_params).toBe(false);
  });

  it("a key no one knows is an error with a suggestion; a misspelled retry-policy field too", () => {
    const issues = issuesOf(prod.replace("        rpm: 600", "        rpm: 600\n        api_bsae: https://x").replace("      RateLimitErrorRetries:", "      RateLimitErrorRetry: 1\n      RateLimitErrorRetries:"));
    expect(issues).toContainEqual(expect.objectContaining({ path: "litellm.model_list[0].litellm_params.api_bsae", message: expect.stringMatching(/did you mean api_base/) }));
    expect(issues).toContainEqual(expect.objectContaining({ path: "litellm.router_settings.retry_policy.RateLimitErrorRetry", message: expect.stringMatching(/did you mean RateLimitErrorRetries/) }));
  });

  it("a mode no one knows is an error; LiteLLM's modes are accepted", () => {
    const issues = issuesOf(prod.replace("model_info: { mode: embedding }", "model_info: { mode: embeding }"));
    expect(issues).toContainEqual(expect.objectContaining({ path: "litellm.model_list[2].model_info.mode", message: expect.stringMatching(/unknown mode embeding \(did you mean embedding\?\)/) }));
    expect(() => loadEnvironment(write(prod.replace("model_info: { mode: embedding }", "model_info: { mode: image_generation }")))).not.toThrow();
  });

  it("LiteLLM features the bundled gateway does not implement: kept in the spec, each a warning naming LiteLLM's image", () => {
    const text = prod
      .replace("        rpm: 600", "        rpm: 600\n        tags: [team-a]")
      .replace("  router_settings:", "  router_settings:\n    model_group_alias: { gpt-4: llama3.1 }")
      .replace("model_info: { mode: embedding }", "model_info: { mode: image_generation }");
    const env = loadEnvironment(write(text));
    expect((env.spec.litellm.router_settings as Record<string, unknown>).model_group_alias).toEqual({ "gpt-4": "llama3.1" });
    const f = findings(env);
    expect(f.map((v) => v.path).sort()).toEqual(["litellm.model_list[*].litellm_params.tags", "litellm.model_list[*].model_info.mode", "litellm.router_settings.model_group_alias"]);
    for (const v of f) expect(v.message).toMatch(/gateway\.image set to LiteLLM's image would serve it/);
    expect(LitellmFeaturesServed.severity).toBe("warning");
    const withLitellm = loadEnvironment(write(text.replace('image: { build: bundled, tag: "gatekit/gateway:0.1.0" }', "image: { name: ghcr.io/berriai/litellm:main-v1.55.0 }")));
    expect(findings(withLitellm)).toEqual([]);
  });
});
