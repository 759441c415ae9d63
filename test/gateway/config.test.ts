import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadGatewayConfig } from "../../lib/gateway/config/load.ts";

const dir = mkdtempSync(join(tmpdir(), "gatekit-config-"));
const write = (text: string) => {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, text);
  return file;
};
const issues = (file: string, env: NodeJS.ProcessEnv = {}) => {
  try {
    loadGatewayConfig({ file, env });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).issues;
  }
  throw new Error("expected a ConfigError");
};

describe("gateway config", () => {
  it("reads LiteLLM's config.yaml, resolving os.environ references", () => {
    const file = write(`model_list:
  - model_name: m
    litellm_params: { model: openai/gpt-4o, api_base: "http://127.0.0.1:1/v1", api_key: os.environ/MY_KEY, rpm: 60, timeout: 30 }
general_settings: { master_key: os.environ/MASTER }
litellm_settings: { request_timeout: 600 }
`);
    const cfg = loadGatewayConfig({ file, env: { MY_KEY: "k-1", MASTER: "sk-master" } });
    expect(cfg.masterKey).toBe("sk-master");
    expect(cfg.deployments[0]).toMatchObject({ provider: "openai", model: "gpt-4o", weight: 60, timeoutMs: 30_000, params: { api_key: "k-1" } });
  });

  it("a missing variable is named, never a value", () => {
    const file = write(`model_list:\n  - model_name: m\n    litellm_params: { model: openai/x, api_key: os.environ/NOT_SET_ANYWHERE }\n`);
    expect(issues(file)).toEqual([{ file, path: "model_list[0].litellm_params.api_key", message: "environment variable NOT_SET_ANYWHERE is not set" }]);
  });

  it("a wrong type names file and path; bad YAML and a missing file are reported", () => {
    const file = write(`model_list:\n  - model_name: m\n    litellm_params: { model: openai/x, rpm: lots }\n`);
    expect(issues(file)[0]).toMatchObject({ file, path: "model_list.0.litellm_params.rpm" });
    expect(issues(write("model_list: [unclosed"))[0]!.message).toMatch(/not valid YAML/);
    expect(issues(join(dir, "missing.yaml"))[0]!.message).toMatch(/cannot read the config file \(ENOENT\)/);
    expect(issues(write("router_settings: { routing_strategy: fastest }"))[0]!.message).toMatch(/simple-shuffle/);
  });

  it("reports settings it does not implement instead of ignoring them silently", () => {
    const file = write(`model_list: []\ngeneral_settings: { background_health_checks: true }\nlitellm_settings: { some_future_flag: true }\nrouter_settings: { routing_strategy: usage-based-routing-v2 }\n`);
    const cfg = loadGatewayConfig({ file, env: {} });
    expect(cfg.warnings.join("\n")).toMatch(/general_settings\.background_health_checks: not implemented/);
    expect(cfg.warnings.join("\n")).toMatch(/usage-based-routing-v2 is not implemented by gatekit yet; using simple-shuffle/);
    expect(cfg.warnings.join("\n")).toMatch(/litellm_settings\.some_future_flag: unknown setting/);
  });
});
