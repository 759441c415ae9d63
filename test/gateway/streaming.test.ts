// Streams are streamed: on every surface, relayed or translated, the first event reaches the client while the
// provider is still writing. The provider here sends its first text, then holds the rest of its stream until
// the test has seen that text arrive through the gateway (or 5 s have passed, which fails the test).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MASTER_KEY, startGateway, type TestGateway } from "../support/gateway.ts";

const sse = (event: string | undefined, data: object) => `${event ? `event: ${event}\n` : ""}data: ${JSON.stringify(data)}\n\n`;
const chatChunk = (delta: object, finish: string | null = null) => sse(undefined, { id: "c", object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: finish }] });
const text = (t: string) => ({ type: "output_text", text: t, annotations: [] });

/** Each wire format's stream in two parts: up to the first text ("Hello"), and the rest (" world" and the end). */
const STREAMS: Record<string, [string, string]> = {
  "/v1/chat/completions": [
    chatChunk({ role: "assistant", content: "Hello" }),
    chatChunk({ content: " world" }) + chatChunk({}, "stop") + sse(undefined, { id: "c", object: "chat.completion.chunk", choices: [], usage: { prompt_tokens: 2, completion_tokens: 2, total_tokens: 4 } }) + "data: [DONE]\n\n",
  ],
  "/v1/messages": [
    sse("message_start", { type: "message_start", message: { id: "msg_1", type: "message", role: "assistant", model: "claude-x", content: [], stop_reason: null, usage: { input_tokens: 2, output_tokens: 0 } } })
      + sse("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } })
      + sse("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hello" } }),
    sse("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: " world" } })
      + sse("content_block_stop", { type: "content_block_stop", index: 0 })
      + sse("message_delta", { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 2 } })
      + sse("message_stop", { type: "message_stop" }),
  ],
  "/v1/responses": [
    sse("response.created", { type: "response.created", sequence_number: 0, response: { id: "resp_1", object: "response", status: "in_progress", output: [] } })
      + sse("response.output_text.delta", { type: "response.output_text.delta", sequence_number: 1, item_id: "msg_1", output_index: 0, content_index: 0, delta: "Hello" }),
    sse("response.output_text.delta", { type: "response.output_text.delta", sequence_number: 2, item_id: "msg_1", output_index: 0, content_index: 0, delta: " world" })
      + sse("response.completed", { type: "response.completed", sequence_number: 3, response: { id: "resp_1", object: "response", status: "completed", output: [{ id: "msg_1", type: "message", role: "assistant", status: "completed", content: [text("Hello world")] }], usage: { input_tokens: 2, output_tokens: 2, total_tokens: 4 } } }),
  ],
};

let provider: Server;
let gw: TestGateway;
/** Lets the provider write the rest of the stream it is holding; `released` says whether it has. */
let release: () => void = () => {};
let released = false;

beforeAll(async () => {
  provider = createServer(async (req, res) => {
    for await (const _ of req);
    const [head, rest] = STREAMS[req.url!.split("?")[0]!]!;
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(head);
    released = false;
    await new Promise<void>((r) => ((release = r), setTimeout(r, 5000)));
    released = true;
    res.end(rest);
  });
  await new Promise<void>((r) => provider.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`;
  gw = await startGateway({
    model_list: [
      { model_name: "openai-up", litellm_params: { model: "openai/gpt-4.1", api_base: `${base}/v1`, api_key: "k" } },
      { model_name: "anthropic-up", litellm_params: { model: "anthropic/claude-x", api_base: base, api_key: "k" } },
      { model_name: "chat-only-up", litellm_params: { model: "hosted_vllm/qwen", api_base: `${base}/v1` } },
    ],
  });
});
afterAll(async () => {
  release();
  await gw.close();
  provider.close();
});

const BODIES: Record<string, (model: string) => object> = {
  "/v1/chat/completions": (model) => ({ model, stream: true, messages: [{ role: "user", content: "hi" }] }),
  "/v1/messages": (model) => ({ model, stream: true, max_tokens: 50, messages: [{ role: "user", content: "hi" }] }),
  "/v1/responses": (model) => ({ model, stream: true, store: false, input: "hi" }),
};

describe.each([
  ["/v1/chat/completions", "openai-up", "relayed"],
  ["/v1/chat/completions", "anthropic-up", "translated from Anthropic's format"],
  ["/v1/messages", "anthropic-up", "relayed"],
  ["/v1/messages", "openai-up", "translated from OpenAI's format"],
  ["/v1/responses", "openai-up", "relayed"],
  ["/v1/responses", "chat-only-up", "bridged from a chat stream"],
])("%s from %s (%s)", (path, model) => {
  it("sends the first text while the provider still holds the rest, then the whole answer", async () => {
    const r = await fetch(`${gw.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" }, body: JSON.stringify(BODIES[path]!(model)) });
    expect(r.status).toBe(200);
    const reader = r.body!.pipeThrough(new TextDecoderStream()).getReader();
    let got = "";
    while (!got.includes("Hello")) {
      const { value, done } = await reader.read();
      if (done) break;
      got += value;
    }
    expect(got).toContain("Hello");
    expect(released).toBe(false); // the gateway sent it before the provider's end, not after
    release();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      got += value;
    }
    expect(got).toContain(" world");
    expect(got).not.toMatch(/"error":\{/);
  });
});
