// Gemini, Ollama, Voyage and Anthropic through the gateway, with the official openai SDK as the client and a
// server speaking each provider's wire format on loopback.
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatChunk, lineSplitter } from "../../lib/gateway/providers/shared/openai-shapes.ts";
import { startGateway, type TestGateway } from "../support/gateway.ts";
import { KEYS, startMockProviders, type MockProviders } from "../support/mock-providers.ts";

let mock: MockProviders;
let gw: TestGateway;
let oai: OpenAI;

beforeAll(async () => {
  mock = await startMockProviders();
  const m = (name: string, model: string, key: string) => ({ model_name: name, litellm_params: { model, api_base: mock.url, api_key: `os.environ/${key}` } });
  gw = await startGateway({
    model_list: [
      m("claude", "anthropic/claude-sonnet-4", "ANTHROPIC_API_KEY"),
      m("gemini-flash", "gemini/gemini-2.0-flash", "GEMINI_API_KEY"),
      m("gemini-embed", "gemini/text-embedding-004", "GEMINI_API_KEY"),
      m("llama", "ollama_chat/llama3.1", "OLLAMA_API_KEY"),
      m("llama-generate", "ollama/llama3.1", "OLLAMA_API_KEY"),
      m("llama-embed", "ollama/nomic-embed-text", "OLLAMA_API_KEY"),
      m("voyage", "voyage/voyage-3", "VOYAGE_API_KEY"),
      { model_name: "gemini-badkey", litellm_params: { model: "gemini/gemini-2.0-flash", api_base: mock.url, api_key: "wrong" } },
    ],
  }, { ANTHROPIC_API_KEY: KEYS.anthropic, GEMINI_API_KEY: KEYS.gemini, OLLAMA_API_KEY: KEYS.ollama, VOYAGE_API_KEY: KEYS.voyage });
  oai = gw.client();
});
afterAll(async () => {
  await gw.close();
  await mock.close();
});

const weather = [{ type: "function" as const, function: { name: "get_weather", description: "Weather in a city", parameters: { type: "object", properties: { city: { type: "string" } } } } }];

async function collect(stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>) {
  let text = "";
  let finish: string | null = null;
  let usage: OpenAI.CompletionUsage | undefined;
  for await (const c of stream) {
    text += c.choices[0]?.delta.content ?? "";
    finish = c.choices[0]?.finish_reason ?? finish;
    usage = c.usage ?? usage;
  }
  return { text, finish, usage };
}

describe.each(["claude", "gemini-flash"])("%s (translated chat)", (model) => {
  it("moves system prompts where the provider wants them and maps the answer and usage", async () => {
    const r = await oai.chat.completions.create({ model, messages: [{ role: "system", content: "be brief" }, { role: "user", content: "hello" }] });
    expect(r.choices[0]!.message.content).toBe("system=be brief; said=hello");
    expect(r.choices[0]!.finish_reason).toBe("stop");
    expect(r.usage!.total_tokens).toBeGreaterThan(0);
    expect(r.model).toBe(model);
  });

  it("round-trips a tool call", async () => {
    const first = await oai.chat.completions.create({ model, messages: [{ role: "user", content: "weather?" }], tools: weather });
    const call = first.choices[0]!.message.tool_calls![0]!;
    expect(first.choices[0]!.finish_reason).toBe("tool_calls");
    expect(call.type === "function" && call.function.name).toBe("get_weather");
    expect(call.type === "function" && JSON.parse(call.function.arguments)).toEqual({ city: "Paris" });
    const second = await oai.chat.completions.create({
      model, tools: weather,
      messages: [{ role: "user", content: "weather?" }, first.choices[0]!.message, { role: "tool", tool_call_id: call.id, content: "sunny" }],
    });
    expect(second.choices[0]!.message.content).toContain("sunny");
  });
});

describe("streaming", () => {
  it("anthropic events become OpenAI chunks with finish reason and usage", async () => {
    const r = await collect(await oai.chat.completions.create({ model: "claude", messages: [{ role: "user", content: "hi" }], stream: true }));
    expect(r).toMatchObject({ text: "Hello world", finish: "stop", usage: { prompt_tokens: 12, completion_tokens: 2 } });
  });

  it("gemini SSE becomes OpenAI chunks; MAX_TOKENS is length", async () => {
    const r = await collect(await oai.chat.completions.create({ model: "gemini-flash", messages: [{ role: "user", content: "hi" }], stream: true }));
    expect(r).toMatchObject({ text: "Hello there", finish: "length", usage: { prompt_tokens: 9, completion_tokens: 4 } });
    expect(mock.seen.at(-1)!.path).toBe("/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse");
  });

  it("ollama NDJSON becomes OpenAI chunks", async () => {
    const r = await collect(await oai.chat.completions.create({ model: "llama", messages: [{ role: "user", content: "hi" }], stream: true }));
    expect(r).toMatchObject({ text: "Hi from ollama", finish: "stop", usage: { prompt_tokens: 8, completion_tokens: 3 } });
  });
});

describe("ollama", () => {
  it("chat through /api/chat with the hosted service's bearer key", async () => {
    const r = await oai.chat.completions.create({ model: "llama", messages: [{ role: "user", content: "yo" }] });
    expect(r.choices[0]!.message.content).toBe("said=yo");
    expect(mock.seen.at(-1)).toMatchObject({ path: "/api/chat", headers: { authorization: `Bearer ${KEYS.ollama}` } });
  });

  it("ollama/ models go through /api/generate", async () => {
    const r = await oai.chat.completions.create({ model: "llama-generate", messages: [{ role: "user", content: "complete me" }] });
    expect(r.choices[0]!.message.content).toBe("generated for: user: complete me");
  });

  it("a missing model is a 404 NotFoundError", async () => {
    await expect(oai.chat.completions.create({ model: "llama", messages: [{ role: "user", content: "FAIL 404" }] })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });
});

describe("embeddings", () => {
  it.each([
    ["gemini-embed", ["one"], [[0.5, 0.25]]],
    ["gemini-embed", ["one", "two"], [[0, 0.5], [1, 1.5]]],
    ["llama-embed", ["a", "b"], [[0, 1], [1, 1]]],
    ["voyage", ["x", "y"], [[0, 0.125], [1, 0.125]]],
  ])("%s embeds %j", async (model, input, vectors) => {
    const r = await oai.embeddings.create({ model, input }); // the SDK asks for base64 by default
    expect(r.data.map((d) => Array.from(d.embedding))).toEqual(vectors);
    const floats = await oai.embeddings.create({ model, input, encoding_format: "float" });
    expect(floats.data.map((d) => d.embedding)).toEqual(vectors);
  });
});

describe("errors", () => {
  it("anthropic 429 keeps retry-after; a too-long prompt is a context-window error; 529 overloaded is 503", async () => {
    const ask = (content: string) => fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST", headers: { authorization: `Bearer ${gw.client().apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "claude", messages: [{ role: "user", content }] }),
    });
    const limited = await ask("FAIL 429");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("7");
    const long = await ask("FAIL 400");
    expect(long.status).toBe(400);
    expect(((await long.json()) as { error: { message: string } }).error.message).toMatch(/ContextWindowExceededError: prompt is too long/);
    expect((await ask("FAIL 529")).status).toBe(503);
  });

  it("gemini's invalid key is a 401 AuthenticationError; quota is a 429", async () => {
    await expect(oai.chat.completions.create({ model: "gemini-badkey", messages: [{ role: "user", content: "x" }] })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(oai.chat.completions.create({ model: "gemini-flash", messages: [{ role: "user", content: "FAIL 429" }] })).rejects.toBeInstanceOf(OpenAI.RateLimitError);
  });

  it("voyage refuses chat (embeddings only) with a clear 400", async () => {
    await expect(oai.chat.completions.create({ model: "voyage", messages: [{ role: "user", content: "x" }] })).rejects.toThrow(/Provider voyage is not supported for chat/);
  });
});

describe("lineSplitter (every translator's stream lines)", () => {
  it("cuts CRLF and LF lines, drops blank ones, and keeps a partial line for the next push", () => {
    const lines = lineSplitter();
    expect(lines.push("data: a\r\n\r\ndata: b\n\nda")).toEqual(["data: a", "data: b"]);
    expect(lines.push("ta: c\r")).toEqual([]);
    expect(lines.push("\n\r\n")).toEqual(["data: c"]);
    expect(lines.push("tail without newline")).toEqual([]);
    expect(lines.end()).toEqual(["tail without newline"]);
  });
});

describe("chatChunk (a streamed chat chunk read for a translation)", () => {
  // What the Messages and Responses translations read of a chunk.
  const read = (c: any) => {
    const d = c?.choices?.[0]?.delta;
    return c && { choices: c.choices.length, content: d?.content, tools: d?.tool_calls, reasoning: d?.reasoning_content ?? d?.reasoning, finish: c.choices[0]?.finish_reason ?? null, usage: c.usage ?? null };
  };
  const parsed = (line: string) => { try { return JSON.parse(line); } catch { return undefined; } };
  const plain = (content: string | undefined, tail = "") =>
    `{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":${JSON.stringify(content === undefined ? {} : { content })},"logprobs":null,"finish_reason":null}]${tail}}`;

  const usageOnly = '{"id":"1","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2}}';

  it("reads the plain text chunk by one match, and every chunk as JSON.parse does", () => {
    const cases = [
      plain("Hello"), plain(""), plain(undefined), plain('a"b\\c\n\u0007é😀'), plain("x", ',"usage":null,"obfuscation":"a-b"'),
      '{"id":"1","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"finish_reason":null}]}',
      '{"id":"1","choices":[{"index":0,"delta":{"content":"\\ud83d\\ude00 \\/"},"finish_reason":null}]}',
      '{"id":"1","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}',
      // left to a whole parse: usage, tool calls, reasoning, a second choice, logprobs, a finish with text
      usageOnly,
      '{"id":"1","choices":[{"index":0,"delta":{"content":"x"},"finish_reason":null}],"usage":{"prompt_tokens":3,"completion_tokens":1}}',
      '{"usage":{"prompt_tokens":3},"id":"1","choices":[{"index":0,"delta":{"content":"x"},"finish_reason":null}]}',
      '{"id":"{[","x":{"usage":null},"choices":[{"index":0,"delta":{"content":"x"},"finish_reason":null}]}',
      '{"id":"1","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c","function":{"name":"f","arguments":"{}"}}]},"finish_reason":null}]}',
      '{"id":"1","choices":[{"index":0,"delta":{"reasoning_content":"hm"},"finish_reason":null}]}',
      '{"id":"1","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null},{"index":1,"delta":{"content":"b"},"finish_reason":null}]}',
      '{"id":"1","choices":[{"index":0,"delta":{"content":"a"},"logprobs":{"content":[]},"finish_reason":null}]}',
      '{"id":"1","choices":[{"index":0,"delta":{"content":"end"},"finish_reason":"length"}]}',
      // not JSON: nothing, as from a whole parse
      '{"id":"1","choices":[{"index":0,"delta":{"content":"bad \\q"},"finish_reason":null}]}',
      '{"id":"1","choices":[{"index":0,"delta":{"content":"raw \u0001"},"finish_reason":null}]}',
      'x"choices":[{"index":0,"delta":{"content":"x"},"finish_reason":null}]}',
    ];
    for (const line of cases) expect(read(chatChunk(line)), line).toEqual(read(parsed(line)));
    expect(chatChunk(plain("Hello"))).not.toHaveProperty("id"); // the match, not a parse
    expect(chatChunk(usageOnly)).toHaveProperty("id");
  });

  it("agrees with JSON.parse on random text, escapes and all", () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const alphabet = ['a', ' ', '"', "\\", "/", "\n", "\t", "\u0000", "\u001f", "é", "€", "😀", "\ud800", "}", "]", ","];
    for (let n = 0; n < 2000; n++) {
      const text = Array.from({ length: Math.floor(next() * 12) }, () => alphabet[Math.floor(next() * alphabet.length)]).join("");
      const line = plain(text, next() < 0.5 ? ',"usage":null' : "");
      const chunk = chatChunk(line);
      expect(chunk).toMatchObject({ choices: [{ delta: { content: text }, finish_reason: null }] });
      expect(chunk, line).not.toHaveProperty("id"); // read by the match, not left to a whole parse
    }
  });
});
