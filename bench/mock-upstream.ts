// A cheap OpenAI-compatible upstream for benchmarks when nginx is absent: fixed answers, no parsing.
// Also serves Anthropic Messages streams, and a stream whose first chunk comes after a delay, to time how fast a gateway forwards it.
import http from "node:http";

const CHAT = JSON.stringify({
  id: "chatcmpl-mock", object: "chat.completion", created: 1700000000, model: "gpt-4o-mini",
  choices: [{ index: 0, message: { role: "assistant", content: "Hello! How can I help you today?" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 9, completion_tokens: 9, total_tokens: 18 },
});
const chunk = (content: string, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: "chatcmpl-mock", object: "chat.completion.chunk", created: 1700000000, model: "gpt-4o-mini", choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;
const STREAM = ["Hello", "!", " How", " can", " I", " help", "?"].map((w) => chunk(w)).join("") + chunk("", "stop") + "data: [DONE]\n\n";
const event = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
/** The same answer as Anthropic streams it (Messages API events). */
const ANTHROPIC_STREAM = [
  event("message_start", { message: { id: "msg_mock", type: "message", role: "assistant", model: "claude-mock", content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 9, output_tokens: 1 } } }),
  event("ping", {}),
  event("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
  ...["Hello", "!", " How", " can", " I", " help", "?"].map((text) => event("content_block_delta", { index: 0, delta: { type: "text_delta", text } })),
  event("content_block_stop", { index: 0 }),
  event("message_delta", { delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 9 } }),
  event("message_stop", {}),
].join("");

/** The same answer as OpenAI's Responses API streams it (POST /v1/responses). */
const RESPONSES_STREAM = (() => {
  let seq = 0;
  const ev = (type: string, data: object) => event(type, { sequence_number: seq++, ...data });
  const words = ["Hello", "!", " How", " can", " I", " help", "?"];
  const ids = { item_id: "msg_mock", output_index: 0, content_index: 0 };
  const item = { id: "msg_mock", type: "message", status: "completed", role: "assistant", content: [{ type: "output_text", text: words.join(""), annotations: [] }] };
  const response = { id: "resp_mock", object: "response", created_at: 1700000000, model: "gpt-4o-mini", status: "in_progress", output: [] as object[], usage: null as object | null };
  return ev("response.created", { response }) + ev("response.in_progress", { response }) +
    ev("response.output_item.added", { output_index: 0, item: { ...item, status: "in_progress", content: [] } }) +
    ev("response.content_part.added", { ...ids, part: { type: "output_text", text: "", annotations: [] } }) +
    words.map((delta) => ev("response.output_text.delta", { ...ids, delta })).join("") +
    ev("response.output_text.done", { ...ids, text: words.join("") }) + ev("response.content_part.done", { ...ids, part: item.content[0]! }) +
    ev("response.output_item.done", { output_index: 0, item }) +
    ev("response.completed", { response: { ...response, status: "completed", output: [item], usage: { input_tokens: 9, output_tokens: 7, total_tokens: 16 } } });
})();

type Mode = "json" | "sse" | "anthropic-sse" | "responses-sse" | "delayed";

/** mode "json": whole answers; "sse": every chat as a stream; "anthropic-sse": every call as a Messages stream; "responses-sse": as a Responses event stream; "delayed": first chunk after `delayMs`. */
export function startMockUpstream(port: number, mode: Mode, delayMs = 50): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      if (mode === "json") return res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(CHAT) }).end(CHAT);
      res.writeHead(200, { "content-type": "text/event-stream" });
      if (mode === "sse") return res.end(STREAM);
      if (mode === "anthropic-sse") return res.end(ANTHROPIC_STREAM);
      if (mode === "responses-sse") return res.end(RESPONSES_STREAM);
      res.flushHeaders();
      setTimeout(() => {
        res.write(chunk("first"));
        setTimeout(() => res.end(chunk("", "stop") + "data: [DONE]\n\n"), 5);
      }, delayMs);
    });
  });
  return new Promise((resolve, reject) => server.once("error", reject).listen(port, "127.0.0.1", () => resolve(server)));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [port, mode] = [Number(process.argv[2] ?? 18080), (process.argv[3] ?? "json") as Mode];
  await startMockUpstream(port, mode);
}
