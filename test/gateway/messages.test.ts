// Anthropic Messages (`/v1/messages`) through the official @anthropic-ai/sdk, against an Anthropic-format
// upstream (native passthrough) and an OpenAI-format one (translated): whole and streamed answers, a tool round
// trip, thinking, count_tokens, images and documents, validation and errors in Anthropic's shape.
import Anthropic from "@anthropic-ai/sdk";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGENT_KEYS, startAgentUpstreams, type AgentUpstreams } from "../support/mock-agents.ts";
import { MASTER_KEY, startGateway, type TestGateway } from "../support/gateway.ts";

let up: AgentUpstreams;
let gw: TestGateway;
let client: Anthropic;
let sliced: Server;

/** An OpenAI-format stream written a few bytes at a time, so lines and a multibyte character are split across reads. */
const SLICED = ["h\u00e9llo ", "\u{1F642} w\u00f6rld"].map((content, i) => `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", choices: [{ index: 0, delta: i ? { content } : { role: "assistant", content }, finish_reason: null }] })}\n\n`).join("")
  + `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", choices: [{ index: 0, delta: {}, finish_reason: "stop" }], usage: { prompt_tokens: 3, completion_tokens: 4 } })}\n\ndata: [DONE]\n\n`;
function startSliced(): Promise<string> {
  sliced = createServer(async (req, res) => {
    for await (const _ of req);
    res.writeHead(200, { "content-type": "text/event-stream" });
    const bytes = Buffer.from(SLICED);
    for (let i = 0; i < bytes.length; i += 7) {
      res.write(bytes.subarray(i, i + 7));
      await new Promise((r) => setTimeout(r, 1));
    }
    res.end();
  });
  return new Promise((resolve) => sliced.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(sliced.address() as AddressInfo).port}/v1`)));
}

beforeAll(async () => {
  const slicedBase = await startSliced();
  up = await startAgentUpstreams();
  gw = await startGateway({
    model_list: [
      { model_name: "claude-native", litellm_params: { model: "anthropic/claude-sonnet-4-5", api_base: up.url, api_key: "os.environ/ANT_KEY" } },
      { model_name: "claude-openai", litellm_params: { model: "openai/gpt-4.1", api_base: `${up.url}/v1`, api_key: "os.environ/OAI_KEY" } },
      { model_name: "claude-mock", litellm_params: { model: "openai/x", mock_response: "a mocked answer" } },
      { model_name: "claude-sliced", litellm_params: { model: "openai/gpt-4.1", api_base: slicedBase } },
    ],
  }, { ANT_KEY: AGENT_KEYS.anthropic, OAI_KEY: AGENT_KEYS.openai });
  client = new Anthropic({ apiKey: MASTER_KEY, baseURL: gw.url, maxRetries: 0 });
});
afterAll(async () => {
  await gw.close();
  await up.close();
  sliced.close();
});

const seen = (path = "/v1/messages") => up.seen.filter((s) => s.path === path).at(-1)!;
const user = (text: string): Anthropic.MessageParam => ({ role: "user", content: text });
const weather: Anthropic.Tool = { name: "get_weather", description: "Weather for a city", input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } };

describe.each([
  ["claude-native", "anthropic upstream"],
  ["claude-openai", "openai upstream"],
])("%s", (model, who) => {
  it("answers a message with text, a stop reason and usage", async () => {
    const m = await client.messages.create({ model, max_tokens: 256, system: "Be brief.", messages: [user("hello there")] });
    expect(m.type).toBe("message");
    expect(m.role).toBe("assistant");
    expect(m.content).toEqual([{ type: "text", text: `${who} says: hello there` }]);
    expect(m.stop_reason).toBe("end_turn");
    expect(m.usage.input_tokens).toBeGreaterThan(0);
    expect(m.usage.output_tokens).toBeGreaterThan(0);
  });

  it("streams Anthropic's event sequence", async () => {
    const types: string[] = [];
    const stream = client.messages.stream({ model, max_tokens: 256, messages: [user("stream me")] });
    stream.on("streamEvent", (e) => types.push(e.type));
    const m = await stream.finalMessage();
    expect(m.content).toEqual([{ type: "text", text: `${who} says: stream me` }]);
    expect(m.stop_reason).toBe("end_turn");
    expect(m.usage.output_tokens).toBeGreaterThan(0);
    const compact = types.filter((t, i) => t !== types[i - 1]);
    expect(compact).toEqual(["message_start", "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop"]);
  });

  it("an upstream that breaks off mid-answer ends the stream with Anthropic's error event, which the SDK raises", async () => {
    const stream = client.messages.stream({ model, max_tokens: 256, messages: [user("BREAK_OFF this long answer please")] });
    const types: string[] = [];
    stream.on("streamEvent", (e) => types.push(e.type));
    const error = await stream.finalMessage().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(String((error as Error).message)).toMatch(/"type":"error".*"type":"api_error"/);
    expect(types[0]).toBe("message_start"); // the head and some of the answer came first
  });

  it.each([false, true])("a tool round trip (stream: %s)", async (streamed) => {
    const ask: Anthropic.MessageCreateParamsNonStreaming = { model, max_tokens: 256, tools: [weather], tool_choice: { type: "auto" }, messages: [user("CALL_TOOL: weather in Paris?")] };
    const first = streamed ? await client.messages.stream(ask).finalMessage() : await client.messages.create(ask);
    expect(first.stop_reason).toBe("tool_use");
    const call = first.content.find((b): b is Anthropic.ToolUseBlock => b.type === "tool_use")!;
    expect(call).toMatchObject({ name: "get_weather", input: { city: "Paris" } });
    const second = await client.messages.create({
      ...ask,
      messages: [...ask.messages, { role: "assistant", content: first.content }, { role: "user", content: [{ type: "tool_result", tool_use_id: call.id, content: "18°C and sunny" }] }],
    });
    expect(second.content).toEqual([{ type: "text", text: `${who} got the tool result: 18°C and sunny` }]);
  });

  it("count_tokens answers input_tokens", async () => {
    const r = await client.messages.countTokens({ model, system: "s", messages: [user("count these words please")] });
    expect(r.input_tokens).toBeGreaterThan(3);
  });
});

describe("native passthrough (anthropic/)", () => {
  it("relays every field and the anthropic-beta header; only the model and the key change", async () => {
    await client.beta.messages.create({
      model: "claude-native", max_tokens: 16000, messages: [user("x")], metadata: { user_id: "u-1" },
      thinking: { type: "enabled", budget_tokens: 2048 }, betas: ["context-management-2025-06-27"],
      // a field the SDK doesn't know yet goes through as well
      ...({ top_k: 5, context_management: { edits: [{ type: "clear_tool_uses_20250919" }] } } as object),
    });
    const s = seen();
    expect(s.body).toMatchObject({ model: "claude-sonnet-4-5", max_tokens: 16000, top_k: 5, thinking: { type: "enabled", budget_tokens: 2048 }, context_management: { edits: [{ type: "clear_tool_uses_20250919" }] } });
    expect(s.headers["anthropic-beta"]).toBe("context-management-2025-06-27");
    expect(s.headers["x-api-key"]).toBe(AGENT_KEYS.anthropic);
    expect(s.headers.authorization).toBeUndefined();
  });

  it("thinking blocks come back whole and streamed, signature included", async () => {
    const ask = { model: "claude-native", max_tokens: 4096, thinking: { type: "enabled" as const, budget_tokens: 1024 }, messages: [user("ponder")] };
    const whole = await client.messages.create(ask);
    expect(whole.content[0]).toEqual({ type: "thinking", thinking: "Let me think.", signature: "sig-1" });
    const streamed = await client.messages.stream(ask).finalMessage();
    expect(streamed.content[0]).toEqual({ type: "thinking", thinking: "Let me think.", signature: "sig-1" });
  });

  it("count_tokens is Anthropic's own count", async () => {
    await client.messages.countTokens({ model: "claude-native", messages: [user("y")] });
    expect(seen("/v1/messages/count_tokens").body.model).toBe("claude-sonnet-4-5");
  });

  it("an upstream 429 is Anthropic's rate_limit_error", async () => {
    const e = await client.messages.create({ model: "claude-native", max_tokens: 5, messages: [user("FAIL 429")] }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(Anthropic.RateLimitError);
    expect((e as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: "error", error: { type: "rate_limit_error", message: expect.stringMatching(/slow down/) } });
  });
});

describe("translated (openai/ and others)", () => {
  it("sends OpenAI's form: system first, stop, user; drops what only Anthropic takes", async () => {
    await client.messages.create({
      model: "claude-openai", max_tokens: 100, system: [{ type: "text", text: "sys A" }, { type: "text", text: " sys B" }], stop_sequences: ["END"],
      thinking: { type: "enabled", budget_tokens: 1024 }, metadata: { user_id: "dev-7" }, messages: [user("x")],
      ...({ temperature: 0.2, top_k: 3, context_management: { edits: [] } } as object),
    });
    const body = seen("/v1/chat/completions").body;
    expect(body).toMatchObject({ model: "gpt-4.1", max_tokens: 100, stop: ["END"], temperature: 0.2, user: "dev-7", messages: [{ role: "system", content: "sys A sys B" }, { role: "user", content: "x" }] });
    for (const field of ["top_k", "thinking", "context_management", "system", "metadata", "stop_sequences"]) expect(body).not.toHaveProperty(field);
  });

  it("images and documents become OpenAI content parts", async () => {
    await client.messages.create({
      model: "claude-openai", max_tokens: 10,
      messages: [{ role: "user", content: [
        { type: "text", text: "look" },
        { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
        { type: "image", source: { type: "url", url: "https://example.com/cat.png" } },
        { type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBERi0=" }, title: "spec.pdf" },
        { type: "document", source: { type: "text", media_type: "text/plain", data: "plain words" } },
      ] }],
    });
    expect(seen("/v1/chat/completions").body.messages[0].content).toEqual([
      { type: "text", text: "look" },
      { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
      { type: "image_url", image_url: { url: "https://example.com/cat.png" } },
      { type: "file", file: { filename: "spec.pdf", file_data: "data:application/pdf;base64,JVBERi0=" } },
      { type: "text", text: "plain words" },
    ]);
  });

  it("reasoning from an OpenAI-format upstream is a thinking block, whole and streamed", async () => {
    const whole = await client.messages.create({ model: "claude-openai", max_tokens: 50, messages: [user("THINK about it")] });
    expect(whole.content[0]).toMatchObject({ type: "thinking", thinking: "Thinking it over." });
    const types: string[] = [];
    const stream = client.messages.stream({ model: "claude-openai", max_tokens: 50, messages: [user("THINK about it")] });
    stream.on("streamEvent", (e) => e.type === "content_block_delta" && types.push(e.delta.type));
    const m = await stream.finalMessage();
    expect(m.content.map((b) => b.type)).toEqual(["thinking", "text"]);
    expect(types[0]).toBe("thinking_delta");
  });

  it("a streamed tool call arrives as input_json_delta events", async () => {
    const deltas: string[] = [];
    const stream = client.messages.stream({ model: "claude-openai", max_tokens: 50, tools: [weather], messages: [user("CALL_TOOL now")] });
    stream.on("inputJson", (partial) => deltas.push(partial));
    await stream.finalMessage();
    expect(deltas).toEqual(['{"city":', '"Paris"}']);
  });

  it("tool_choice any and tool become required and a named function; Anthropic server tools are dropped", async () => {
    await client.messages.create({ model: "claude-openai", max_tokens: 5, tools: [weather, { type: "web_search_20250305", name: "web_search" } as unknown as Anthropic.Tool], tool_choice: { type: "tool", name: "get_weather", disable_parallel_tool_use: true }, messages: [user("x")] });
    const body = seen("/v1/chat/completions").body;
    expect(body.tools.map((t: { function: { name: string } }) => t.function.name)).toEqual(["get_weather"]);
    expect(body).toMatchObject({ tool_choice: { type: "function", function: { name: "get_weather" } }, parallel_tool_calls: false });
  });

  it("count_tokens is an estimate, marked as one", async () => {
    const r = await fetch(`${gw.url}/v1/messages/count_tokens`, { method: "POST", headers: { "x-api-key": MASTER_KEY, "content-type": "application/json" }, body: JSON.stringify({ model: "claude-openai", messages: [user("a b c")] }) });
    expect(r.headers.get("x-gatekit-token-count")).toBe("estimate");
    expect(((await r.json()) as { input_tokens: number }).input_tokens).toBeGreaterThan(0);
  });

  it("a stream read a few bytes at a time keeps its lines and characters whole", async () => {
    const m = await client.messages.stream({ model: "claude-sliced", max_tokens: 50, messages: [user("x")] }).finalMessage();
    expect(m.content).toEqual([{ type: "text", text: "h\u00e9llo \u{1F642} w\u00f6rld" }]);
    expect(m.usage).toMatchObject({ input_tokens: 3, output_tokens: 4 });
  });

  it("a mock_response deployment answers as a Message, whole and streamed", async () => {
    expect((await client.messages.create({ model: "claude-mock", max_tokens: 5, messages: [user("x")] })).content).toEqual([{ type: "text", text: "a mocked answer" }]);
    expect((await client.messages.stream({ model: "claude-mock", max_tokens: 5, messages: [user("x")] }).finalMessage()).content).toEqual([{ type: "text", text: "a mocked answer" }]);
  });
});

describe("auth, validation and errors in Anthropic's shape", () => {
  const raw = (body: unknown, headers: Record<string, string> = { "x-api-key": MASTER_KEY }) =>
    fetch(`${gw.url}/v1/messages?beta=true`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });
  const expectError = async (r: Response, status: number, type: string, pattern: RegExp) => {
    const body = (await r.json()) as { type: string; error: { type: string; message: string } };
    expect({ status: r.status, type: body.type, errorType: body.error.type }).toEqual({ status, type: "error", errorType: type });
    expect(body.error.message).toMatch(pattern);
  };

  it("accepts x-api-key and Authorization: Bearer; ?beta=true is fine", async () => {
    expect((await raw({ model: "claude-mock", max_tokens: 5, messages: [user("x")] })).status).toBe(200);
    expect((await raw({ model: "claude-mock", max_tokens: 5, messages: [user("x")] }, { authorization: `Bearer ${MASTER_KEY}` })).status).toBe(200);
    const viaToken = new Anthropic({ authToken: MASTER_KEY, apiKey: null, baseURL: gw.url, maxRetries: 0 });
    expect((await viaToken.messages.create({ model: "claude-mock", max_tokens: 5, messages: [user("x")] })).content[0]).toMatchObject({ text: "a mocked answer" });
  });

  it("a missing or wrong key is an authentication_error", async () => {
    await expectError(await raw({ model: "claude-mock", max_tokens: 5, messages: [user("x")] }, {}), 401, "authentication_error", /No api key/);
    const wrong = new Anthropic({ apiKey: "sk-wrong", baseURL: gw.url, maxRetries: 0 });
    await expect(wrong.messages.create({ model: "claude-mock", max_tokens: 5, messages: [user("x")] })).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
  });

  it.each([
    [{ model: "claude-mock", messages: [user("x")] }, /'max_tokens' is required/],
    [{ model: "claude-mock", max_tokens: 0, messages: [user("x")] }, /'max_tokens' must be a positive integer/],
    [{ model: "claude-mock", max_tokens: 5, messages: [user("x")], stream: "yes" }, /'stream' must be a boolean/],
    [{ model: "claude-mock", max_tokens: 5, messages: [{ role: 5, content: "x" }] }, /'messages\[0\]\.role' must be a string, got number/],
    [{ model: "claude-mock", max_tokens: 5, messages: [{ role: "user" }] }, /'messages\[0\]\.content' is required/],
    [{ model: "claude-mock", max_tokens: 5, messages: [{ role: "user", content: [{ text: "no type" }] }] }, /'messages\[0\]\.content\[0\]\.type' is required/],
    [{ model: "claude-mock", max_tokens: 5, messages: [] }, /'messages' must be a non-empty array/],
    [{ model: "claude-mock", max_tokens: 5, messages: [user("x")], stop_sequences: "END" }, /'stop_sequences' must be an array of strings/],
    [{ model: "claude-mock", max_tokens: 5, messages: [user("x")], top_k: -1 }, /'top_k' must be an integer of 0 or more/],
    [{ model: "nope", max_tokens: 5, messages: [user("x")] }, /Invalid model name passed in model=nope/],
    ['{"model":"claude-mock","max_tokens":1e999,"messages":[]}', /max_tokens is not a finite number/],
  ])("%s → 400 invalid_request_error", async (body, pattern) => {
    await expectError(await raw(body), 400, "invalid_request_error", pattern);
  });

  it("5,000 levels of nesting → 400 invalid_request_error", async () => {
    const deep = '{"model":"claude-mock","max_tokens":5,"messages":[],"x":' + "[".repeat(5000) + "]".repeat(5000) + "}";
    await expectError(await raw(deep), 400, "invalid_request_error", /nests deeper than 64 levels/);
  });

  it("the SDK sees a BadRequestError for a bad field", async () => {
    await expect(client.messages.create({ model: "claude-mock", max_tokens: -1, messages: [user("x")] })).rejects.toBeInstanceOf(Anthropic.BadRequestError);
  });

  it("an overloaded upstream (529) keeps Anthropic's overloaded_error type", async () => {
    await expectError(await raw({ model: "claude-native", max_tokens: 5, messages: [user("FAIL 529")] }), 503, "overloaded_error", /Overloaded/);
  });
});
