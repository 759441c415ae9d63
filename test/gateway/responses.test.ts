// POST /v1/responses with the official openai SDK as the client: an `openai/` deployment relays to a mock that
// speaks the Responses API natively; an `anthropic/` deployment is bridged through the chat form to a mock
// speaking Anthropic's Messages. Both must come back as Responses (objects and event streams), tools included,
// with previous_response_id and GET/DELETE /v1/responses/{id} per key.
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MASTER_KEY, startGateway, type TestGateway } from "../support/gateway.ts";
import { startMockOpenAI, type MockUpstream } from "../support/mock-openai.ts";
import { RESPONSES_KEY, startMockResponses, type MockResponses } from "../support/mock-openai-responses.ts";
import { KEYS, startMockProviders, type MockProviders } from "../support/mock-providers.ts";

let native: MockResponses;
let providers: MockProviders;
let compatible: MockUpstream;
let gw: TestGateway;
let oai: OpenAI;

beforeAll(async () => {
  native = await startMockResponses();
  providers = await startMockProviders();
  compatible = await startMockOpenAI();
  gw = await startGateway({
    model_list: [
      { model_name: "gpt", litellm_params: { model: "openai/gpt-4.1-mini", api_base: native.url, api_key: RESPONSES_KEY } },
      { model_name: "claude", litellm_params: { model: "anthropic/claude-sonnet-4", api_base: providers.url, api_key: KEYS.anthropic } },
      { model_name: "vllm", litellm_params: { model: "hosted_vllm/llama-3.1-8b", api_base: compatible.url } },
      { model_name: "vllm-drop", litellm_params: { model: "hosted_vllm/stream-drop", api_base: compatible.url } },
      { model_name: "mocked", litellm_params: { model: "openai/x", mock_response: "mocked answer here" } },
    ],
  });
  oai = gw.client();
});
afterAll(async () => {
  await gw.close();
  await native.close();
  await providers.close();
  await compatible.close();
});

const weather: OpenAI.Responses.Tool[] = [
  { type: "function", name: "get_weather", description: "Weather in a city", parameters: { type: "object", properties: { city: { type: "string" } } }, strict: false },
];

async function collect(stream: AsyncIterable<OpenAI.Responses.ResponseStreamEvent>) {
  const types: string[] = [];
  let text = "";
  let args = "";
  let completed: OpenAI.Responses.Response | undefined;
  for await (const e of stream) {
    types.push(e.type);
    if (e.type === "response.output_text.delta") text += e.delta;
    if (e.type === "response.function_call_arguments.delta") args += e.delta;
    if (e.type === "response.completed") completed = e.response;
  }
  return { types, text, args, completed };
}

describe.each([
  ["gpt", "an openai/ deployment (native relay)"],
  ["claude", "an anthropic/ deployment (bridged)"],
])("%s: %s", (model) => {
  it("responses.create answers a Response with text and usage", async () => {
    const r = await oai.responses.create({ model, input: "hello there", instructions: "be brief", max_output_tokens: 200 });
    expect(r.object).toBe("response");
    expect(r.status).toBe("completed");
    expect(r.id).toMatch(/^resp_/);
    expect(r.output_text).toMatch(/said=hello there/);
    expect(r.usage?.input_tokens).toBeGreaterThan(0);
    expect(r.usage?.output_tokens).toBeGreaterThan(0);
  });

  it("streams the Responses event sequence", async () => {
    const { types, text, completed } = await collect(await oai.responses.create({ model, input: "stream please", stream: true }));
    expect(types.slice(0, 2)).toEqual(["response.created", "response.in_progress"]);
    expect(types).toContain("response.output_item.added");
    expect(types).toContain("response.content_part.added");
    expect(types).toContain("response.output_text.done");
    expect(types).toContain("response.output_item.done");
    expect(types.at(-1)).toBe("response.completed");
    expect(text.length).toBeGreaterThan(0);
    expect(completed?.usage?.output_tokens).toBeGreaterThan(0);
    expect(completed?.output_text ?? completed?.output.flatMap((o) => (o.type === "message" ? o.content.map((c) => ("text" in c ? c.text : "")) : [])).join("")).toBe(text);
  });

  it("a function-call round trip: call, then its output answered", async () => {
    const first = await oai.responses.create({ model, input: "weather in Paris?", tools: weather, tool_choice: "auto" });
    const call = first.output.find((o) => o.type === "function_call");
    expect(call).toMatchObject({ type: "function_call", name: "get_weather" });
    if (call?.type !== "function_call") throw new Error("no call");
    expect(JSON.parse(call.arguments)).toEqual({ city: "Paris" });
    const second = await oai.responses.create({
      model, tools: weather, store: false,
      input: [{ role: "user", content: "weather in Paris?" }, call, { type: "function_call_output", call_id: call.call_id, output: "sunny, 21C" }],
    });
    expect(second.output_text).toMatch(/sunny, 21C/);
  });

  it("streams a function call's arguments", async () => {
    const { types, args, completed } = await collect(await oai.responses.create({ model, input: "weather?", tools: weather, stream: true }));
    expect(types).toContain("response.function_call_arguments.done");
    expect(JSON.parse(args)).toEqual({ city: "Paris" });
    expect(completed?.output.find((o) => o.type === "function_call")).toMatchObject({ name: "get_weather", arguments: args });
  });

  it("previous_response_id continues the stored conversation; GET and DELETE it", async () => {
    const first = await oai.responses.create({ model, input: "remember: blue" });
    const second = await oai.responses.create({ model, input: "what colour?", previous_response_id: first.id });
    expect(second.output_text).toMatch(/said=what colour\?/);
    expect(second.previous_response_id).toBe(first.id); // echoed, though the upstream was not sent it
    const { completed } = await collect(await oai.responses.create({ model, input: "and now?", previous_response_id: first.id, stream: true }));
    expect(completed?.previous_response_id).toBe(first.id);
    const upstream = model === "gpt" ? native.requests.at(-1)!.body : providers.seen.at(-1)!.body;
    const sent = JSON.stringify(upstream);
    expect(sent).toContain("remember: blue"); // the first turn went upstream again
    expect(sent).toContain("and now?");
    expect(sent).not.toContain("previous_response_id");
    expect((await oai.responses.retrieve(first.id)).output_text).toBe(first.output_text);
    const items = await oai.responses.inputItems.list(second.id);
    expect(JSON.stringify(items.data)).toContain("remember: blue");
    expect(JSON.stringify(items.data)).toContain("what colour?");
    await oai.responses.delete(first.id);
    await expect(oai.responses.retrieve(first.id)).rejects.toMatchObject({ status: 404 });
  });

  it("a streamed answer is stored too", async () => {
    const { completed } = await collect(await oai.responses.create({ model, input: "keep this", stream: true }));
    const next = await oai.responses.create({ model, input: "and now?", previous_response_id: completed!.id });
    expect(next.status).toBe("completed");
  });
});

describe("native relay", () => {
  it("sends the client's body to /v1/responses with the deployment's model and key", async () => {
    await oai.responses.create({ model: "gpt", input: "relay me", include: ["reasoning.encrypted_content"], reasoning: { effort: "low" } });
    const seen = native.requests.at(-1)!;
    expect(seen.path).toBe("/v1/responses");
    expect(seen.body).toMatchObject({ model: "gpt-4.1-mini", input: "relay me", include: ["reasoning.encrypted_content"], reasoning: { effort: "low" } });
  });
});

describe("bridged", () => {
  it("translates instructions, tools and limits to the chat form, dropping tools a provider can't run", async () => {
    const r = await oai.responses.create({
      model: "claude", instructions: "sys text", max_output_tokens: 64,
      input: [{ type: "message", role: "developer", content: "dev note" }, { type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] }],
      tools: [{ type: "web_search" }, ...weather],
    });
    expect(r.object).toBe("response");
    const sent = providers.seen.at(-1)!.body;
    expect(sent.max_tokens).toBe(64);
    expect(sent.system).toMatch(/sys text/);
    expect(sent.tools.map((t: { name: string }) => t.name)).toEqual(["get_weather"]);
  });

  it("an OpenAI-compatible server (hosted_vllm/) is bridged through its chat completions, not sent to /responses", async () => {
    const r = await oai.responses.create({ model: "vllm", input: "compatible?" });
    expect(r.object).toBe("response");
    expect(r.output_text).toBe('echo: "compatible?"');
    expect(compatible.requests.at(-1)!.path).toBe("/v1/chat/completions");
    const { text, types } = await collect(await oai.responses.create({ model: "vllm", input: "x", stream: true }));
    expect(text).toBe("one two three four");
    expect(types.at(-1)).toBe("response.completed");
  });

  it("an upstream that breaks off mid-answer ends the stream with an error event (Responses) or error data (chat)", async () => {
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const e of await oai.responses.create({ model: "vllm-drop", input: "x", stream: true })) events.push(e);
    expect(events.map((e) => e.type)).toContain("response.output_text.delta"); // some of the answer came first
    const last = events.at(-1)!;
    expect(last).toMatchObject({ type: "error", code: "api_connection_error", sequence_number: events.length - 1 });
    expect((last as OpenAI.Responses.ResponseErrorEvent).message).toMatch(/stream|connection|closed|terminated|socket/i);
    // Chat is relayed: the error arrives as LiteLLM's `data: {"error": …}`, which the SDK raises as an APIError.
    const chunks: string[] = [];
    const failed = await (async () => {
      for await (const c of await oai.chat.completions.create({ model: "vllm-drop", messages: [{ role: "user", content: "x" }], stream: true })) chunks.push(c.choices[0]?.delta.content ?? "");
    })().then(() => undefined, (e: unknown) => e);
    expect(chunks.join("")).toBe("one two ");
    expect(failed).toBeInstanceOf(OpenAI.APIError);
    expect((failed as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ type: "api_connection_error" });
  });

  it("a mock_response deployment answers as a Response", async () => {
    const r = await oai.responses.create({ model: "mocked", input: "x" });
    expect(r.output_text).toBe("mocked answer here");
    const { text, types } = await collect(await oai.responses.create({ model: "mocked", input: "x", stream: true }));
    expect(text).toBe("mocked answer here");
    expect(types.at(-1)).toBe("response.completed");
  });
});

describe("keys and validation", () => {
  it.each([
    [{ model: "gpt" }, "input"],
    [{ model: "gpt", input: "x", stream: "yes" }, "stream"],
    [{ model: "gpt", input: "x", max_output_tokens: 0 }, "max_output_tokens"],
    [{ model: "gpt", input: [{ type: "function_call", name: "f", arguments: "{}" }] }, "input[0].call_id"],
    [{ model: "gpt", input: [{ role: "user" }] }, "input[0].content"],
    [{ model: "gpt", input: "x", tools: [{ type: "function" }] }, "tools[0].name"],
  ])("%j is a 400 naming %s in OpenAI's error shape", async (body, param) => {
    const res = await fetch(`${gw.url}/v1/responses`, { method: "POST", headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" }, body: JSON.stringify(body) });
    expect(res.status).toBe(400);
    const error = ((await res.json()) as { error: { param: string; message: string; type: string } }).error;
    expect(error.param).toBe(param);
    expect(error.message).toContain(param);
  });

  it("an unknown id is a 404 in OpenAI's shape", async () => {
    const res = await fetch(`${gw.url}/v1/responses/resp_nope`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe("not_found_error");
  });
});
