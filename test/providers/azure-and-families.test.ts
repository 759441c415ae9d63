// Azure OpenAI, Azure AI, the OpenAI-compatible families and Cohere through the gateway, each against a mock
// that checks the path, query and headers its provider expects.
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAMILIES } from "../../lib/gateway/providers/openai/compatible.ts";
import { startGateway, type TestGateway } from "../support/gateway.ts";
import { chatAnswer, startMockWire, type MockWire } from "../support/mock-wire.ts";

let mock: MockWire;
let gw: TestGateway;
let oai: OpenAI;

const sse = (res: import("node:http").ServerResponse, events: string[]) => {
  res.writeHead(200, { "content-type": "text/event-stream" });
  for (const e of events) res.write(e);
  res.end();
};

beforeAll(async () => {
  mock = await startMockWire((req, reply, res) => {
    // Azure OpenAI: /openai/deployments/<deployment>/<op>?api-version=…, api-key or an Entra ID bearer token.
    const az = /^\/azure\/openai\/deployments\/([^/]+)\/(chat\/completions|embeddings)$/.exec(req.path);
    if (az) {
      const authed = req.headers["api-key"] === "az-key" || req.headers.authorization === "Bearer entra-token";
      if (!authed) return reply(401, { error: { code: "401", message: "Access denied due to invalid subscription key or wrong API endpoint." } });
      if (!req.query.get("api-version")) return reply(404, { error: { code: "404", message: "Resource not found" } });
      if (JSON.stringify(req.json).includes("FILTER ME")) return reply(400, { error: { code: "content_filter", message: "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.", innererror: { code: "ResponsibleAIPolicyViolation" } } });
      if (az[2] === "embeddings") return reply(200, { object: "list", data: [{ object: "embedding", index: 0, embedding: [1, 2] }], model: az[1], usage: { prompt_tokens: 1, total_tokens: 1 } });
      if (req.json.stream) return sse(res, [`data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: az[1], choices: [{ index: 0, delta: { role: "assistant", content: `az:${az[1]}` }, finish_reason: null }] })}\n\n`, "data: [DONE]\n\n"]);
      return reply(200, chatAnswer(az[1]!, `deployment=${az[1]} version=${req.query.get("api-version")}`));
    }
    if (req.path === "/foundry/chat/completions") {
      if (req.headers["api-key"] !== "foundry-key") return reply(401, { error: { message: "bad key" } });
      return reply(200, chatAnswer(req.json.model, `foundry ${req.json.model} ${req.query.get("api-version")}`));
    }
    // Cohere v2.
    if (req.path === "/cohere/v2/chat") {
      if (req.headers.authorization !== "Bearer co-key") return reply(401, { message: "invalid api token" });
      const last = req.json.messages.at(-1);
      if (req.json.stream) {
        const ev = (type: string, delta: object) => `event: ${type}\ndata: ${JSON.stringify({ type, delta })}\n\n`;
        return sse(res, [ev("message-start", { message: { role: "assistant" } }), ev("content-delta", { message: { content: { text: "co" } } }), ev("content-delta", { message: { content: { text: "here" } } }), ev("message-end", { finish_reason: "COMPLETE", usage: { tokens: { input_tokens: 4, output_tokens: 2 } } })]);
      }
      return reply(200, { id: "r", finish_reason: "COMPLETE", message: { role: "assistant", content: [{ type: "text", text: `cohere ${req.json.model}: ${req.json.messages[0].role}=${req.json.messages[0].content}; ${last.content}; p=${req.json.p}` }] }, usage: { tokens: { input_tokens: 6, output_tokens: 3 } } });
    }
    if (req.path === "/cohere/v2/embed") return reply(200, { id: "e", embeddings: { float: req.json.texts.map((t: string) => [t.length]) }, texts: req.json.texts, meta: { billed_units: { input_tokens: 2 } } });
    // Every OpenAI-compatible family at /<prefix>/chat/completions.
    const fam = /^\/fam\/([^/]+)\/chat\/completions$/.exec(req.path);
    if (fam) return reply(200, chatAnswer(req.json.model, JSON.stringify({ family: fam[1], auth: req.headers.authorization ?? null, referer: req.headers["http-referer"] ?? null, body: Object.keys(req.json).sort() })));
    reply(404, { error: { message: `unknown path ${req.path}` } });
  });
  const families = FAMILIES.map((f) => ({ model_name: `fam-${f.prefix}`, litellm_params: { model: `${f.prefix}/some-model`, api_base: `${mock.url}/fam/${f.prefix}` } }));
  gw = await startGateway({
    litellm_settings: { drop_params: false },
    model_list: [
      { model_name: "az", litellm_params: { model: "azure/gpt-4o-prod", api_base: "os.environ/AZURE_API_BASE", api_key: "os.environ/AZURE_API_KEY", api_version: "2024-08-01-preview" } },
      { model_name: "az-env", litellm_params: { model: "azure/gpt-4o-env" } },
      { model_name: "az-entra", litellm_params: { model: "azure/gpt-4o-entra", api_base: `${mock.url}/azure`, azure_ad_token: "os.environ/ENTRA" } },
      { model_name: "az-embed", litellm_params: { model: "azure/text-embedding-3-small" } },
      { model_name: "foundry", litellm_params: { model: "azure_ai/mistral-large", api_base: `${mock.url}/foundry`, api_key: "foundry-key", api_version: "2024-05-01-preview" } },
      { model_name: "co", litellm_params: { model: "cohere/command-r-plus", api_base: `${mock.url}/cohere` } },
      { model_name: "co-embed", litellm_params: { model: "cohere/embed-english-v3.0", api_base: `${mock.url}/cohere` } },
      ...families,
      { model_name: "groq-drop", litellm_params: { model: "groq/llama-3.1-8b-instant", api_base: `${mock.url}/fam/groq`, drop_params: true } },
      { model_name: "list-drop", litellm_params: { model: "openai/gpt-4o", api_base: `${mock.url}/fam/openai`, drop_params: ["stop"] } },
    ],
  }, {
    AZURE_API_BASE: `${mock.url}/azure`, AZURE_API_KEY: "az-key", AZURE_API_VERSION: "2024-06-01", ENTRA: "entra-token", COHERE_API_KEY: "co-key",
    GROQ_API_KEY: "gsk-groq", OPENROUTER_API_KEY: "or-key", OR_SITE_URL: "https://example.org", MISTRAL_API_KEY: "mis-key",
  });
  oai = gw.client();
});
afterAll(async () => {
  await gw.close();
  await mock.close();
});

const ask = (model: string, extra: Record<string, unknown> = {}) => oai.chat.completions.create({ model, messages: [{ role: "user", content: "hi" }], ...extra } as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming);

describe("azure", () => {
  it("deployment in the path, api_version in the query, api-key header; api_base and key from os.environ", async () => {
    expect((await ask("az")).choices[0]!.message.content).toBe("deployment=gpt-4o-prod version=2024-08-01-preview");
    const seen = mock.seen.at(-1)!;
    expect(seen.url).toBe("/azure/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-08-01-preview");
    expect(seen.headers["api-key"]).toBe("az-key");
    expect(seen.headers.authorization).toBeUndefined();
  });

  it("AZURE_API_BASE / AZURE_API_KEY / AZURE_API_VERSION when the deployment sets none", async () => {
    expect((await ask("az-env")).choices[0]!.message.content).toBe("deployment=gpt-4o-env version=2024-06-01");
  });

  it("an Entra ID token (azure_ad_token) as a bearer token instead of api-key; streaming passes through", async () => {
    const stream = await oai.chat.completions.create({ model: "az-entra", stream: true, messages: [{ role: "user", content: "hi" }] });
    let text = "";
    for await (const c of stream) text += c.choices[0]?.delta.content ?? "";
    expect(text).toBe("az:gpt-4o-entra");
    expect(mock.seen.at(-1)!.headers.authorization).toBe("Bearer entra-token");
    expect(mock.seen.at(-1)!.headers["api-key"]).toBeUndefined();
  });

  it("embeddings at the deployment's /embeddings", async () => {
    const r = await oai.embeddings.create({ model: "az-embed", input: "x", encoding_format: "float" });
    expect(r.data[0]!.embedding).toEqual([1, 2]);
    expect(mock.seen.at(-1)!.path).toBe("/azure/openai/deployments/text-embedding-3-small/embeddings");
  });

  it("Azure's content filter is LiteLLM's ContentPolicyViolationError (so content_policy_fallbacks apply)", async () => {
    const e = await oai.chat.completions.create({ model: "az", messages: [{ role: "user", content: "FILTER ME" }] }).catch((x: unknown) => x);
    expect((e as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
    expect((e as InstanceType<typeof OpenAI.APIError>).message).toMatch(/ContentPolicyViolationError/);
  });

  it("azure_ai: OpenAI's paths under the endpoint, api-key, api-version", async () => {
    expect((await ask("foundry")).choices[0]!.message.content).toBe("foundry mistral-large 2024-05-01-preview");
  });
});

describe("OpenAI-compatible families", () => {
  it.each(FAMILIES.map((f) => f.prefix))("%s: the model without its prefix, at api_base's /chat/completions", async (prefix) => {
    const r = await ask(`fam-${prefix}`);
    const seen = JSON.parse(r.choices[0]!.message.content!);
    expect(seen.family).toBe(prefix);
    expect(mock.seen.at(-1)!.json.model).toBe("some-model");
  });

  it("each family's key variable and extra headers (GROQ_API_KEY, OPENROUTER_API_KEY + OR_SITE_URL)", async () => {
    expect(JSON.parse((await ask("fam-groq")).choices[0]!.message.content!).auth).toBe("Bearer gsk-groq");
    const or = JSON.parse((await ask("fam-openrouter")).choices[0]!.message.content!);
    expect(or).toMatchObject({ auth: "Bearer or-key", referer: "https://example.org" });
  });

  it("a field the provider refuses is a 400 naming it; with drop_params: true it is dropped; a drop list always drops", async () => {
    const e = await ask("fam-groq", { logit_bias: { "50256": -100 } }).catch((x: unknown) => x);
    expect((e as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
    expect((e as InstanceType<typeof OpenAI.APIError>).message).toMatch(/groq does not support parameters: \['logit_bias'\]/);
    const dropped = JSON.parse((await ask("groq-drop", { logit_bias: { "50256": -100 }, temperature: 0.2 })).choices[0]!.message.content!);
    expect(dropped.body).toEqual(["messages", "model", "temperature"]);
    const listed = JSON.parse((await ask("list-drop", { stop: ["x"], temperature: 0.2 })).choices[0]!.message.content!);
    expect(listed.body).toEqual(["messages", "model", "temperature"]);
    const mistral = await ask("fam-mistral", { user: "u-1" }).catch((x: unknown) => x);
    expect((mistral as InstanceType<typeof OpenAI.APIError>).message).toMatch(/mistral does not support parameters: \['user'\]/);
  });
});

describe("cohere", () => {
  it("chat v2: roles kept, top_p as p, usage from tokens", async () => {
    const r = await oai.chat.completions.create({ model: "co", top_p: 0.5, messages: [{ role: "system", content: "sys" }, { role: "user", content: "hello" }] });
    expect(r.choices[0]!.message.content).toBe("cohere command-r-plus: system=sys; hello; p=0.5");
    expect(r.usage).toMatchObject({ prompt_tokens: 6, completion_tokens: 3 });
  });

  it("chat v2 streamed", async () => {
    const stream = await oai.chat.completions.create({ model: "co", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "hi" }] });
    let text = "";
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const c of stream) (text += c.choices[0]?.delta.content ?? ""), (usage = c.usage ?? usage);
    expect(text).toBe("cohere");
    expect(usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 2 });
  });

  it("embed v2 with float embeddings", async () => {
    const r = await oai.embeddings.create({ model: "co-embed", input: ["ab", "c"], encoding_format: "float" });
    expect(r.data.map((d) => d.embedding)).toEqual([[2], [1]]);
    expect(mock.seen.at(-1)!.json).toMatchObject({ model: "embed-english-v3.0", texts: ["ab", "c"], embedding_types: ["float"] });
  });
});
