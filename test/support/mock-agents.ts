// Upstreams for the agent APIs, each speaking its provider's real wire format and refusing what the real one
// refuses: Anthropic Messages (`/v1/messages`, `/v1/messages/count_tokens`: x-api-key, anthropic-version,
// max_tokens, user/assistant/system roles, typed content blocks; streams with ping, thinking, text and tool_use blocks)
// and OpenAI chat completions (`/v1/chat/completions`: Bearer key, role-typed messages, tool calls whole and
// streamed as argument deltas). The last text of the last user turn is echoed; containing CALL_TOOL, it asks for the first tool; a thinking
// request (Anthropic) or "THINK" (OpenAI, as reasoning_content) adds reasoning; "BREAK_OFF" streams half the events and
// drops the connection (a provider failing mid-answer). Everything seen is recorded.
import http from "node:http";
import type { AddressInfo } from "node:net";

export const AGENT_KEYS = { anthropic: "ant-agent-key", openai: "oai-agent-key" };

type Json = Record<string, any>;
export interface AgentUpstreams { url: string; seen: { path: string; body: Json; headers: http.IncomingHttpHeaders }[]; close(): Promise<void> }

export async function startAgentUpstreams(): Promise<AgentUpstreams> {
  const seen: AgentUpstreams["seen"] = [];
  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      const body = JSON.parse(raw || "{}") as Json;
      const path = (req.url ?? "").split("?")[0]!;
      seen.push({ path, body, headers: req.headers });
      if (path === "/v1/messages" || path === "/v1/messages/count_tokens") return anthropic(req, res, path, body);
      if (path === "/v1/chat/completions") return openai(req, res, body);
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "unknown path" }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))) };
}

const send = (res: http.ServerResponse, status: number, payload: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(payload));

async function writeAll(res: http.ServerResponse, events: string[], breakOff = false) {
  res.writeHead(200, { "content-type": "text/event-stream" });
  for (const [i, e] of events.entries()) {
    if (breakOff && i === events.length >> 1) return res.destroy();
    if (res.destroyed) return;
    res.write(e);
    await new Promise((r) => setTimeout(r, 2));
  }
  res.end();
}

const BLOCK_TYPES = new Set(["text", "image", "document", "tool_use", "tool_result", "thinking", "redacted_thinking"]);

function anthropic(req: http.IncomingMessage, res: http.ServerResponse, path: string, body: Json) {
  const refuse = (status: number, type: string, message: string) => send(res, status, { type: "error", error: { type, message } });
  if (req.headers["x-api-key"] !== AGENT_KEYS.anthropic) return refuse(401, "authentication_error", "invalid x-api-key");
  if (!req.headers["anthropic-version"]) return refuse(400, "invalid_request_error", "anthropic-version header is required");
  const blocksOk = (c: unknown) => typeof c === "string" || (Array.isArray(c) && c.every((b: Json) => BLOCK_TYPES.has(b?.type)));
  if (!Array.isArray(body.messages) || body.messages.some((m: Json) => !["user", "assistant", "system"].includes(m.role) || !blocksOk(m.content))) {
    return refuse(400, "invalid_request_error", "messages: roles must be user, assistant or system, content a string or known blocks");
  }
  if (body.system !== undefined && typeof body.system !== "string" && !(Array.isArray(body.system) && body.system.every((b: Json) => b.type === "text"))) {
    return refuse(400, "invalid_request_error", "system: a string or text blocks");
  }
  const input = Math.ceil(JSON.stringify([body.system ?? "", body.messages, body.tools ?? []]).length / 4);
  if (path.endsWith("/count_tokens")) return send(res, 200, { input_tokens: input });
  if (typeof body.max_tokens !== "number") return refuse(400, "invalid_request_error", "max_tokens: Field required");
  const said = lastUserText(body.messages);
  if (said.includes("FAIL 429")) return res.writeHead(429, { "content-type": "application/json", "retry-after": "0" }).end(JSON.stringify({ type: "error", error: { type: "rate_limit_error", message: "slow down" } }));
  if (said.includes("FAIL 529")) return refuse(529, "overloaded_error", "Overloaded");
  const toolResult = lastToolResult(body.messages);
  const tool = !toolResult && said.includes("CALL_TOOL") && body.tools?.[0];
  const thinking = body.thinking?.type === "enabled";
  const text = toolResult !== undefined ? `anthropic upstream got the tool result: ${toolResult}` : `anthropic upstream says: ${said}`;
  const usage = { input_tokens: input, cache_read_input_tokens: 3, output_tokens: 7 };
  if (!body.stream) {
    const content: Json[] = [];
    if (thinking) content.push({ type: "thinking", thinking: "Let me think.", signature: "sig-1" });
    content.push(tool ? { type: "tool_use", id: "toolu_01", name: tool.name, input: { city: "Paris" } } : { type: "text", text });
    return send(res, 200, { id: "msg_01", type: "message", role: "assistant", model: body.model, content, stop_reason: tool ? "tool_use" : "end_turn", stop_sequence: null, usage });
  }
  const ev = (type: string, data: Json) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  const events = [ev("message_start", { message: { id: "msg_01", type: "message", role: "assistant", model: body.model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: input, cache_read_input_tokens: 3, output_tokens: 1 } } }), ev("ping", {})];
  let i = 0;
  if (thinking) {
    events.push(ev("content_block_start", { index: i, content_block: { type: "thinking", thinking: "", signature: "" } }), ev("content_block_delta", { index: i, delta: { type: "thinking_delta", thinking: "Let me think." } }), ev("content_block_delta", { index: i, delta: { type: "signature_delta", signature: "sig-1" } }), ev("content_block_stop", { index: i }));
    i++;
  }
  if (tool) {
    events.push(ev("content_block_start", { index: i, content_block: { type: "tool_use", id: "toolu_01", name: tool.name, input: {} } }), ev("content_block_delta", { index: i, delta: { type: "input_json_delta", partial_json: '{"city": ' } }), ev("content_block_delta", { index: i, delta: { type: "input_json_delta", partial_json: '"Paris"}' } }), ev("content_block_stop", { index: i }));
  } else {
    events.push(ev("content_block_start", { index: i, content_block: { type: "text", text: "" } }));
    for (const piece of text.split(/(?<= )/)) events.push(ev("content_block_delta", { index: i, delta: { type: "text_delta", text: piece } }));
    events.push(ev("content_block_stop", { index: i }));
  }
  events.push(ev("message_delta", { delta: { stop_reason: tool ? "tool_use" : "end_turn", stop_sequence: null }, usage: { output_tokens: 7 } }), ev("message_stop", {}));
  void writeAll(res, events, said.includes("BREAK_OFF"));
}

function lastUserText(messages: Json[]): string {
  const last = [...messages].reverse().find((m) => m.role === "user");
  if (!last) return "";
  if (typeof last.content === "string") return last.content;
  return last.content.filter((b: Json) => b.type === "text").at(-1)?.text ?? ""; // Claude Code puts system-reminder blocks first
}

function lastToolResult(messages: Json[]): string | undefined {
  const last = messages.at(-1);
  const block = Array.isArray(last?.content) ? last.content.find((b: Json) => b.type === "tool_result") : undefined;
  if (!block) return undefined;
  return typeof block.content === "string" ? block.content : block.content.map((b: Json) => b.text).join("");
}

function openai(req: http.IncomingMessage, res: http.ServerResponse, body: Json) {
  const refuse = (status: number, message: string) => send(res, status, { error: { message, type: "invalid_request_error", param: null, code: null } });
  if (req.headers.authorization !== `Bearer ${AGENT_KEYS.openai}`) return refuse(401, "Incorrect API key provided");
  if (!Array.isArray(body.messages) || body.messages.some((m: Json) => !["system", "user", "assistant", "tool", "developer"].includes(m.role))) return refuse(400, "messages: invalid role");
  if (body.messages.some((m: Json) => m.role === "tool" && typeof m.tool_call_id !== "string")) return refuse(400, "tool messages need tool_call_id");
  if (body.tools?.some((t: Json) => t.type !== "function" || typeof t.function?.name !== "string")) return refuse(400, "tools: each a function with a name");
  const last = body.messages.filter((m: Json) => m.role !== "system").at(-1); // mid-conversation system turns are context
  const said = last.role === "user" ? (typeof last.content === "string" ? last.content : (last.content.filter((p: Json) => p.type === "text").at(-1)?.text ?? "")) : "";
  if (said.includes("FAIL 429")) return res.writeHead(429, { "content-type": "application/json", "retry-after": "0" }).end(JSON.stringify({ error: { message: "Rate limit reached", type: "requests", code: "rate_limit_exceeded" } }));
  const tool = last.role === "user" && said.includes("CALL_TOOL") && body.tools?.[0];
  const text = last.role === "tool" ? `openai upstream got the tool result: ${last.content}` : `openai upstream says: ${said}`;
  const think = said.includes("THINK");
  const prompt = Math.ceil(JSON.stringify(body.messages).length / 4);
  const usage = { prompt_tokens: prompt, completion_tokens: 9, total_tokens: prompt + 9 };
  const call = tool && { id: "call_01", type: "function", function: { name: tool.function.name, arguments: '{"city":"Paris"}' } };
  if (!body.stream) {
    const message: Json = { role: "assistant", content: tool ? null : text, ...(think ? { reasoning_content: "Thinking it over." } : {}), ...(call ? { tool_calls: [call] } : {}) };
    return send(res, 200, { id: "chatcmpl-01", object: "chat.completion", created: 1, model: body.model, choices: [{ index: 0, message, finish_reason: tool ? "tool_calls" : "stop" }], usage });
  }
  const chunk = (delta: Json, finish: string | null = null) => `data: ${JSON.stringify({ id: "chatcmpl-01", object: "chat.completion.chunk", created: 1, model: body.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  const events = [chunk({ role: "assistant", content: "" })];
  if (think) events.push(chunk({ reasoning_content: "Thinking it over." }));
  if (call) {
    events.push(chunk({ tool_calls: [{ index: 0, id: call.id, type: "function", function: { name: call.function.name, arguments: "" } }] }), chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }), chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }));
  } else for (const piece of text.split(/(?<= )/)) events.push(chunk({ content: piece }));
  events.push(chunk({}, tool ? "tool_calls" : "stop"));
  if (body.stream_options?.include_usage) events.push(`data: ${JSON.stringify({ id: "chatcmpl-01", object: "chat.completion.chunk", created: 1, model: body.model, choices: [], usage })}\n\n`);
  events.push("data: [DONE]\n\n");
  void writeAll(res, events, said.includes("BREAK_OFF"));
}
