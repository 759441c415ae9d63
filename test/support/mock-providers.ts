// One loopback server speaking four providers' real wire formats — Anthropic Messages, Gemini, Ollama and
// Voyage — and refusing requests a real provider would refuse (missing key, wrong shape), so a wrong
// translation fails the test. A message containing "FAIL <status>" makes the provider answer that error.
import http from "node:http";
import type { AddressInfo } from "node:net";

export const KEYS = { anthropic: "ant-test-key", gemini: "gem-test-key", ollama: "oll-test-key", voyage: "voy-test-key" };

type Json = Record<string, any>;
export interface MockProviders { url: string; seen: { path: string; body: Json; headers: http.IncomingHttpHeaders }[]; close(): Promise<void> }

export async function startMockProviders(): Promise<MockProviders> {
  const seen: MockProviders["seen"] = [];
  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      const body = JSON.parse(raw || "{}") as Json;
      const path = req.url ?? "";
      seen.push({ path, body, headers: req.headers });
      const send = (status: number, payload: unknown, headers: Record<string, string> = {}) =>
        res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(payload));
      const fail = /FAIL (\d{3})/.exec(raw)?.[1];
      if (path === "/v1/messages") return anthropic(req, res, body, send, fail);
      if (path.startsWith("/v1beta/models/")) return gemini(req, res, path, body, send, fail);
      if (path.startsWith("/api/")) return ollama(req, res, path, body, send, fail);
      if (path === "/v1/embeddings") return voyage(req, body, send, fail);
      send(404, { error: "unknown path" });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))) };
}

type Send = (status: number, payload: unknown, headers?: Record<string, string>) => void;

function sse(res: http.ServerResponse, events: string[]) {
  res.writeHead(200, { "content-type": "text/event-stream" });
  let i = 0;
  const next = () => (i < events.length ? (res.write(events[i++]), setTimeout(next, 5)) : res.end());
  next();
}

function anthropic(req: http.IncomingMessage, res: http.ServerResponse, body: Json, send: Send, fail?: string) {
  if (req.headers["x-api-key"] !== KEYS.anthropic) return send(401, { type: "error", error: { type: "authentication_error", message: "invalid x-api-key" } });
  if (req.headers["anthropic-version"] !== "2023-06-01" || typeof body.max_tokens !== "number" || !Array.isArray(body.messages) || body.messages.some((m: Json) => m.role === "system")) {
    return send(400, { type: "error", error: { type: "invalid_request_error", message: "malformed request" } });
  }
  if (fail === "429") return send(429, { type: "error", error: { type: "rate_limit_error", message: "slow down" } }, { "retry-after": "7" });
  if (fail === "400") return send(400, { type: "error", error: { type: "invalid_request_error", message: "prompt is too long: 250000 tokens > 200000 maximum" } });
  if (fail === "529") return send(529, { type: "error", error: { type: "overloaded_error", message: "Overloaded" } });
  // A tool is called when one is offered for a question about the weather (agents offer tools on every turn).
  const wantsTool = body.tools?.length && /weather/i.test(JSON.stringify(body.messages)) && !body.messages.some((m: Json) => m.content.some((b: Json) => b.type === "tool_result"));
  const reply = `system=${body.system ?? ""}; said=${body.messages.at(-1).content.map((b: Json) => b.text ?? b.content).join("")}`;
  if (!body.stream) {
    const content = wantsTool ? [{ type: "tool_use", id: "toolu_1", name: body.tools[0].name, input: { city: "Paris" } }] : [{ type: "text", text: reply }];
    return send(200, { id: "msg_1", type: "message", role: "assistant", content, stop_reason: wantsTool ? "tool_use" : "end_turn", usage: { input_tokens: 12, output_tokens: 5 } });
  }
  const ev = (type: string, data: Json) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  if (wantsTool) {
    return sse(res, [
      ev("message_start", { message: { id: "msg_1", usage: { input_tokens: 12, output_tokens: 0 } } }),
      ev("content_block_start", { index: 0, content_block: { type: "tool_use", id: "toolu_1", name: body.tools[0].name, input: {} } }),
      ev("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: '{"city":' } }),
      ev("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: '"Paris"}' } }),
      ev("content_block_stop", { index: 0 }),
      ev("message_delta", { delta: { stop_reason: "tool_use" }, usage: { output_tokens: 9 } }),
      ev("message_stop", {}),
    ]);
  }
  sse(res, [
    ev("message_start", { message: { id: "msg_1", usage: { input_tokens: 12, output_tokens: 0 } } }),
    ev("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
    ev("content_block_delta", { index: 0, delta: { type: "text_delta", text: "Hello" } }),
    ev("content_block_delta", { index: 0, delta: { type: "text_delta", text: " world" } }),
    ev("content_block_stop", { index: 0 }),
    ev("message_delta", { delta: { stop_reason: "end_turn" }, usage: { output_tokens: 2 } }),
    ev("message_stop", {}),
  ]);
}

function gemini(req: http.IncomingMessage, res: http.ServerResponse, path: string, body: Json, send: Send, fail?: string) {
  if (req.headers["x-goog-api-key"] !== KEYS.gemini) return send(400, { error: { code: 400, message: "API key not valid. Please pass a valid API key.", status: "INVALID_ARGUMENT" } });
  if (fail === "429") return send(429, { error: { code: 429, message: "Resource has been exhausted", status: "RESOURCE_EXHAUSTED" } });
  if (path.endsWith(":embedContent")) return send(200, { embedding: { values: [0.5, 0.25] } });
  if (path.endsWith(":batchEmbedContents")) return send(200, { embeddings: body.requests.map((_: unknown, i: number) => ({ values: [i, i + 0.5] })) });
  if (!Array.isArray(body.contents) || body.contents.some((c: Json) => !["user", "model"].includes(c.role))) return send(400, { error: { code: 400, message: "bad contents", status: "INVALID_ARGUMENT" } });
  const said = body.contents.at(-1).parts.map((p: Json) => p.text ?? JSON.stringify(p.functionResponse?.response)).join("");
  const system = body.systemInstruction?.parts?.[0]?.text ?? "";
  const wantsTool = body.tools && !body.contents.some((c: Json) => c.parts.some((p: Json) => p.functionResponse));
  const parts = wantsTool ? [{ functionCall: { name: body.tools[0].functionDeclarations[0].name, args: { city: "Paris" } } }] : [{ text: `system=${system}; said=${said}` }];
  const usageMetadata = { promptTokenCount: 9, candidatesTokenCount: 4, totalTokenCount: 13 };
  if (path.endsWith(":generateContent")) return send(200, { candidates: [{ content: { role: "model", parts }, finishReason: "STOP" }], usageMetadata });
  if (!path.endsWith(":streamGenerateContent?alt=sse")) return send(404, { error: { code: 404, message: "not found" } });
  const chunk = (text: string, finish?: string) => `data: ${JSON.stringify({ candidates: [{ content: { role: "model", parts: [{ text }] }, ...(finish ? { finishReason: finish } : {}) }], ...(finish ? { usageMetadata } : {}) })}\r\n\r\n`;
  sse(res, [chunk("Hel"), chunk("lo"), chunk(" there", "MAX_TOKENS")]);
}

function ollama(req: http.IncomingMessage, res: http.ServerResponse, path: string, body: Json, send: Send, fail?: string) {
  if (req.headers.authorization !== `Bearer ${KEYS.ollama}`) return send(401, { error: "unauthorized" });
  if (fail === "404") return send(404, { error: `model "${body.model}" not found, try pulling it first` });
  if (path === "/api/embed") return send(200, { model: body.model, embeddings: body.input.map((_: unknown, i: number) => [i, 1]), prompt_eval_count: 6 });
  const final = { done: true, done_reason: "stop", prompt_eval_count: 8, eval_count: 3 };
  if (path === "/api/chat") {
    if (!Array.isArray(body.messages)) return send(400, { error: "messages required" });
    const said = `said=${body.messages.at(-1).content}`;
    if (!body.stream) return send(200, { model: body.model, message: { role: "assistant", content: said }, ...final });
    res.writeHead(200, { "content-type": "application/x-ndjson" });
    for (const piece of ["Hi", " from", " ollama"]) res.write(JSON.stringify({ message: { role: "assistant", content: piece }, done: false }) + "\n");
    return res.end(JSON.stringify({ message: { role: "assistant", content: "" }, ...final }) + "\n");
  }
  if (path === "/api/generate") {
    if (typeof body.prompt !== "string") return send(400, { error: "prompt required" });
    return send(200, { model: body.model, response: `generated for: ${body.prompt.split("\n").at(-2)}`, ...final });
  }
  send(404, { error: "unknown" });
}

function voyage(req: http.IncomingMessage, body: Json, send: Send, fail?: string) {
  if (req.headers.authorization !== `Bearer ${KEYS.voyage}`) return send(401, { detail: "Provided API key is invalid." });
  if (fail === "429") return send(429, { detail: "rate limited" });
  if (!Array.isArray(body.input)) return send(400, { detail: "input must be a list" });
  send(200, { object: "list", data: body.input.map((_: unknown, i: number) => ({ object: "embedding", embedding: [i, 0.125], index: i })), model: body.model, usage: { total_tokens: 10 } });
}
