// The LiteLLM config shapes in test/fixtures/litellm-configs: every one starts a gateway (config loaded, the
// gateway listening and answering), is read as LiteLLM reads it, and what gatekit does not serve is named in
// one summary — a line per setting, not per deployment.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadGatewayConfig, type GatewayConfig } from "../../lib/gateway/config/load.ts";
import { createListener } from "../../lib/gateway/http/listener.ts";
import { createLogger } from "../../lib/gateway/log.ts";
import { createGateway } from "../../lib/gateway/server.ts";
import type { AddressInfo } from "node:net";

const DIR = join(import.meta.dirname, "../fixtures/litellm-configs");
const ENV = {
  AZURE_API_BASE: "https://example-resource.openai.azure.com", AZURE_API_KEY: "az-k", VLLM_API_BASE: "http://vllm.internal:8000/v1",
  DEFAULT_MODEL: "openai/gpt-4o-mini", OPENAI_API_KEY: "sk-o", ANTHROPIC_API_KEY: "sk-a", GEMINI_API_KEY: "g", MISTRAL_API_KEY: "m",
  COHERE_API_KEY: "c", STREAM_TIMEOUT: "60", LITELLM_MASTER_KEY: "sk-master-0123456789abcdef0123456789",
};
const files = readdirSync(DIR).filter((f) => f.endsWith(".yaml")).sort();
const loaded = new Map<string, GatewayConfig>();
const load = (f: string) => loaded.get(f) ?? loaded.set(f, loadGatewayConfig({ file: join(DIR, f), env: ENV })).get(f)!;
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of closers) await c();
});

describe("LiteLLM config corpus", () => {
  it.each(files)("%s starts: loaded, listening, its model groups listed", async (f) => {
    const cfg = load(f);
    const gateway = createGateway(cfg, { logger: createLogger("CRITICAL") });
    const server = createListener((req, res) => gateway.handle(req, res));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    closers.push(async () => (server.closeAllConnections(), await new Promise((r) => server.close(r)), await gateway.close()));
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/models`, { headers: { authorization: `Bearer ${ENV.LITELLM_MASTER_KEY}` } });
    expect(res.status).toBe(200);
    const ids = ((await res.json()) as { data: { id: string }[] }).data.map((m) => m.id);
    expect(ids.sort()).toEqual([...new Set(cfg.deployments.map((d) => d.modelName))].sort());
  });

  it("os.environ/NAME is resolved before checking: api_base, model", () => {
    const [azure, vllm, fromEnv] = load("azure-env-base.yaml").deployments;
    expect(azure).toMatchObject({ provider: "azure", model: "gpt-4o-prod", params: { api_base: ENV.AZURE_API_BASE, api_version: "2024-02-01" } });
    expect(vllm).toMatchObject({ provider: "hosted_vllm", model: "meta-llama/Llama-3.1-8B-Instruct", params: { api_base: ENV.VLLM_API_BASE } });
    expect(fromEnv).toMatchObject({ provider: "openai", model: "gpt-4o-mini" });
  });

  it("YAML 1.1 scalars as PyYAML reads them", () => {
    const cfg = load("yaml11-scalars.yaml");
    expect(cfg.deployments[0]!.params).toMatchObject({ tpm: 20_000, rpm: 1_000, drop_params: true });
    expect(cfg.raw.litellm_settings).toMatchObject({ drop_params: true, set_verbose: false, json_logs: true, cache: false });
    expect(cfg.raw.router_settings.enable_pre_call_checks).toBe(true);
  });

  it("pydantic-like coercion: numeric strings, a number as a variable's text, a string as a list", () => {
    const cfg = load("pydantic-coercion.yaml");
    expect(cfg.deployments[0]).toMatchObject({ weight: 100, streamTimeoutMs: 60_000, params: { rpm: 100, max_retries: 2 } });
    expect(cfg.raw.environment_variables).toEqual({ REDIS_PORT: "6379", FEATURE_ON: "true" });
    expect(cfg.raw.litellm_settings.callbacks).toEqual(["prometheus"]);
    expect(cfg.requestTimeoutMs).toBe(600_000);
    expect(cfg.numRetries).toBe(3);
    expect(cfg.raw.router_settings).toMatchObject({ retry_after: 0, cooldown_time: 30 });
    expect(cfg.warnings.join("\n")).toMatch(/litellm_settings\.callbacks: prometheus is not implemented by gatekit yet; ignored; gatekit's \/metrics serves/);
  });

  it("null is unset", () => {
    const cfg = load("nulls.yaml");
    expect(cfg.deployments[0]!.params.api_base).toBeUndefined();
    expect(cfg.database).toBeUndefined();
    expect(cfg.redis).toBeUndefined();
    expect(cfg.masterKey).toBe(ENV.LITELLM_MASTER_KEY);
  });

  it("modes it does not serve, a misspelled retry-policy field and drop lists are named, not refused", () => {
    const cfg = load("modes-and-drops.yaml");
    const w = cfg.warnings.join("\n");
    expect(w).toMatch(/model_list\[\*\]\.model_info\.mode: image_generation is not served by gatekit; requests to these groups answer 400 \(dall-e-3\)/);
    expect(w).toMatch(/audio_transcription is not served.*\(whisper\)/);
    expect(w).toMatch(/responses is not served.*\(o3-responses\)/);
    expect(w).not.toMatch(/rerank is not served/);
    expect(w).toMatch(/router_settings\.retry_policy\.TimeoutErrorRetry: unknown setting, ignored/);
    expect(cfg.deployments.at(-1)!.params.drop_params).toEqual(["stop"]);
    expect(cfg.deployments[0]!.params.drop_params).toEqual(["stop", "logit_bias"]);
  });

  it("bare names go to their provider; wildcard groups are kept as patterns", () => {
    const cfg = load("model-names.yaml");
    expect(cfg.deployments.map((d) => `${d.modelName}→${d.provider}/${d.model}`)).toEqual([
      "gpt-4→openai/gpt-4", "claude-3-5-sonnet→anthropic/claude-3-5-sonnet-20241022", "gemini-flash→gemini/gemini-2.0-flash",
      "mistral-large→mistral/mistral-large-latest", "command-r→cohere/command-r-plus", "openai/*→openai/*", "*→openai/*",
    ]);
    expect(cfg.groups.get("openai/gpt-4.1")![0]).toMatchObject({ provider: "openai", model: "gpt-4.1", params: { api_key: ENV.OPENAI_API_KEY } });
    expect(cfg.groups.get("claude-opus-4")![0]).toMatchObject({ provider: "anthropic", model: "claude-opus-4", params: { api_key: ENV.ANTHROPIC_API_KEY } });
  });

  it("what LiteLLM has and gatekit does not is one line each, naming what happens instead", () => {
    const w = load("litellm-only.yaml").warnings;
    const text = w.join("\n");
    for (const expected of [
      /provider sagemaker is not implemented by gatekit; requests to these groups answer 400 \(sm\)/,
      /provider oci is not implemented by gatekit; requests to these groups answer 400 \(oci-cmd\)/,
      /model_list\[\*\]\.litellm_params\.tags: not implemented by gatekit; ignored \(tagged-a, tagged-b\)/,
      /model_list\[\*\]\.litellm_params\.temperature: not implemented by gatekit; ignored \(tagged-a\)/,
      /litellm_settings\.success_callback: langfuse is not implemented/, /litellm_settings\.failure_callback: sentry is not implemented/,
      /litellm_settings\.modify_params: not implemented/, /router_settings\.routing_strategy: usage-based-routing-v2 is not implemented by gatekit yet; using simple-shuffle/,
      /router_settings\.model_group_alias: not implemented/, /general_settings\.ui_access_mode: not implemented/,
      /general_settings\.alerting: email is not implemented/, /guardrails: not implemented by gatekit; ignored/, /credential_list: not implemented/,
    ]) expect(text).toMatch(expected);
    expect(text).not.toMatch(/bedrock|vertex_ai/);
    expect(w.filter((l) => l.includes("litellm_params.tags"))).toHaveLength(1);
  });
});
