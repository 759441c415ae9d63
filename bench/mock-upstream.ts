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

type Mode = "json" | "sse" | "anthropic-sse" | "delayed";

/** mode "json": whole answers; "sse": every chat as a stream; "anthropic-sse": every call as a Messages stream; "delayed": first chunk after `delayMs`. */
export function startMockUpstream(port: number, mode: Mode, delayMs = 50): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      if (mode === "json") return res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(CHAT) }).end(CHAT);
      res.writeHead(200, { "content-type": "text/event-stream" });
      if (mode === "sse") return res.end(STREAM);
      if (mode === "anthropic-sse") return res.end(ANTHROPIC_STREAM);
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
