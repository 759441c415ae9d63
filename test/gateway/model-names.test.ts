// Model names as LiteLLM resolves them: bare well-known names to their provider, `custom_llm_provider`,
// wildcard groups (`openai/*`, `claude-*`, `*` passthrough) routing every matching name, exact names first,
// and an unknown name a 400 in OpenAI's shape.
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { providerOf } from "../../lib/gateway/config/model-names.ts";
import { startGateway, type TestGateway } from "../support/gateway.ts";
import { chatAnswer, startMockWire, type MockWire } from "../support/mock-wire.ts";

describe("providerOf", () => {
  it.each([
    ["gpt-4o", "openai", "gpt-4o"], ["o3-mini", "openai", "o3-mini"], ["o1", "openai", "o1"], ["o4-mini", "openai", "o4-mini"],
    ["text-embedding-3-small", "openai", "text-embedding-3-small"], ["claude-3-5-sonnet-20241022", "anthropic", "claude-3-5-sonnet-20241022"],
    ["gemini-2.0-flash", "gemini", "gemini-2.0-flash"], ["mistral-large-latest", "mistral", "mistral-large-latest"],
    ["codestral-latest", "mistral", "codestral-latest"], ["command-r-plus", "cohere", "command-r-plus"], ["grok-2", "xai", "grok-2"],
    ["deepseek-chat", "deepseek", "deepseek-chat"], ["anthropic.claude-3-haiku-20240307-v1:0", "bedrock", "anthropic.claude-3-haiku-20240307-v1:0"],
    ["openrouter/anthropic/claude-3.5-sonnet", "openrouter", "anthropic/claude-3.5-sonnet"], ["groq/llama-3.1-8b-instant", "groq", "llama-3.1-8b-instant"],
    ["my-finetune", "openai", "my-finetune"],
  ])("%s → %s", (model, provider, id) => expect(providerOf(model)).toEqual({ provider, model: id }));

  it("custom_llm_provider names the provider of a model id with its own slashes", () => {
    expect(providerOf("meta-llama/Llama-3.1-8B-Instruct", "hosted_vllm")).toEqual({ provider: "hosted_vllm", model: "meta-llama/Llama-3.1-8B-Instruct" });
    expect(providerOf("together_ai/meta-llama/Llama-3-70b", "together_ai")).toEqual({ provider: "together_ai", model: "meta-llama/Llama-3-70b" });
  });
});

let mock: MockWire;
let gw: TestGateway;
let strict: TestGateway;
let oai: OpenAI;

beforeAll(async () => {
  mock = await startMockWire((req, reply) => {
    if (req.path === "/v1/messages") return reply(200, { id: "m", type: "message", role: "assistant", content: [{ type: "text", text: `anthropic:${req.json.model}` }], stop_reason: "end_turn", usage: { input_tokens: 1, output_tokens: 1 } });
    reply(200, chatAnswer(req.json.model, `openai:${req.json.model}:${req.headers.authorization}`));
  });
  gw = await startGateway({
    model_list: [
      { model_name: "gpt-4o", litellm_params: { model: "openai/exact-deployment", api_base: `${mock.url}/exact` } },
      { model_name: "openai/*", litellm_params: { model: "openai/*", api_base: `${mock.url}/v1`, api_key: "sk-pattern" } },
      { model_name: "claude-*", litellm_params: { model: "anthropic/claude-*", api_base: mock.url, api_key: "sk-ant" } },
      { model_name: "*", litellm_params: { model: "*", api_base: `${mock.url}/v1` } },
    ],
  }, { OPENAI_API_KEY: "sk-env" });
  strict = await startGateway({ model_list: [{ model_name: "only", litellm_params: { model: "openai/x", api_base: `${mock.url}/v1` } }] });
  oai = gw.client();
});
afterAll(async () => {
  await gw.close();
  await strict.close();
  await mock.close();
});

const say = async (client: OpenAI, model: string) => (await client.chat.completions.create({ model, messages: [{ role: "user", content: "hi" }] })).choices[0]!.message.content;

describe("wildcard model groups", () => {
  it("an exact group wins over every pattern", async () => {
    expect(await say(oai, "gpt-4o")).toBe("openai:exact-deployment:Bearer sk-env");
    expect(mock.seen.at(-1)!.path).toBe("/exact/chat/completions");
  });

  it("openai/* routes every OpenAI name, the * carried into the model", async () => {
    expect(await say(oai, "openai/gpt-4.1-mini")).toBe("openai:gpt-4.1-mini:Bearer sk-pattern");
  });

  it("claude-* → anthropic/claude-*: the matched text fills the model's *", async () => {
    expect(await say(oai, "claude-sonnet-4-5")).toBe("anthropic:claude-sonnet-4-5");
  });

  it("* with model * passes the client's model through, its provider's key from the environment", async () => {
    expect(await say(oai, "o3-mini")).toBe("openai:o3-mini:Bearer sk-env");
    expect(await say(oai, "some-fine-tune")).toBe("openai:some-fine-tune:Bearer sk-env");
  });

  it("a name no group matches is a 400 in OpenAI's shape", async () => {
    const e = await strict.client().chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OpenAI.BadRequestError);
    const body = (e as InstanceType<typeof OpenAI.BadRequestError>).error as { message: string; type: string; param: string };
    expect(body).toMatchObject({ type: "invalid_request_error", param: "model" });
    expect(body.message).toMatch(/Invalid model name passed in model=gpt-4o/);
  });
});
