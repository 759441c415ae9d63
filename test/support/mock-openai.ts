// A stand-in OpenAI-compatible provider on loopback. The upstream model name picks a behaviour:
// `error-<status>` answers that status (429 with retry-after), `slow-<ms>` waits first, `hang` never answers,
// `stream-drop` ends a stream half-way, `stream-flood` streams without end (as fast as it is read); anything
// else answers normally. It records what it saw.
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface MockUpstream {
  url: string;
  requests: { path: string; body: Record<string, unknown>; authorization?: string }[];
  aborted: number;
  close(): Promise<void>;
}

const completion = (model: string, content: string) => ({
  id: "chatcmpl-mock", object: "chat.completion", created: 1700000000, model,
  choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
  usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 },
});

export async function startMockOpenAI(): Promise<MockUpstream> {
  const state: MockUpstream = { url: "", requests: [], aborted: 0, close: async () => {} };
  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", async () => {
      const body = JSON.parse(raw || "{}") as Record<string, unknown>;
      state.requests.push({ path: req.url ?? "", body, authorization: req.headers.authorization });
      res.on("close", () => res.writableFinished || state.aborted++);
      const model = String(body.model);
      const error = /^error-(\d{3})$/.exec(model);
      if (error) {
        const status = Number(error[1]);
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (status === 429) headers["retry-after"] = "0";
        const message = status === 400 && body.context ? "This model's maximum context length is 8192 tokens" : `mock error ${status}`;
        return res.writeHead(status, headers).end(JSON.stringify({ error: { message, type: "mock", code: null } }));
      }
      if (model === "hang") return;
      const slow = /^slow-(\d+)$/.exec(model);
      if (slow) await new Promise((r) => setTimeout(r, Number(slow[1])));
      if (req.url?.endsWith("/embeddings")) {
        const inputs = Array.isArray(body.input) ? body.input : [body.input];
        return json(res, { object: "list", model, data: inputs.map((_, index) => ({ object: "embedding", index, embedding: encode([0.1, 0.2, 0.3], body.encoding_format) })), usage: { prompt_tokens: 3, total_tokens: 3 } });
      }
      if (req.url?.endsWith("/completions") && !req.url.includes("chat")) {
        return json(res, { id: "cmpl-mock", object: "text_completion", created: 1700000000, model, choices: [{ index: 0, text: "mock text", finish_reason: "stop", logprobs: null }], usage: { prompt_tokens: 2, completion_tokens: 2, total_tokens: 4 } });
      }
      if (body.stream && model === "stream-flood") return flood(res, model);
      if (body.stream) return stream(res, model, model === "stream-drop");
      json(res, completion(model, `echo: ${JSON.stringify((body.messages as { content: string }[])?.at(-1)?.content ?? "")}`));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  state.close = () => new Promise((r) => (server.closeAllConnections(), server.close(() => r())));
  return state;
}

/** OpenAI answers base64 (little-endian float32) when asked, as the SDK does by default. */
const encode = (v: number[], format: unknown) => (format === "base64" ? Buffer.from(new Float32Array(v).buffer).toString("base64") : v);

const json = (res: http.ServerResponse, body: object) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));

async function stream(res: http.ServerResponse, model: string, drop: boolean) {
  res.writeHead(200, { "content-type": "text/event-stream" });
  const words = ["one ", "two ", "three ", "four"];
  for (const [i, w] of words.entries()) {
    if (res.destroyed) return;
    if (drop && i === 2) return res.destroy();
    res.write(`data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model, choices: [{ index: 0, delta: { content: w }, finish_reason: null }] })}\n\n`);
    await new Promise((r) => setTimeout(r, 20));
  }
  res.write(`data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model, choices: [{ index: 0, delta: {}, finish_reason: "stop" }], usage: { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 } })}\n\n`);
  res.end("data: [DONE]\n\n");
}

/** Chunks of 64 KiB for as long as the reader keeps up and stays. */
async function flood(res: http.ServerResponse, model: string) {
  res.writeHead(200, { "content-type": "text/event-stream" });
  const chunk = `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model, choices: [{ index: 0, delta: { content: "x".repeat(65536) }, finish_reason: null }] })}\n\n`;
  while (!res.destroyed) {
    if (!res.write(chunk)) await new Promise((r) => (res.once("drain", r), res.once("close", r)));
  }
}
