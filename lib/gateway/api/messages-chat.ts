// Anthropic Messages ↔ the internal chat-completions form, both ways: a request into chat messages and tools;
// a chat answer into a Message; chat chunks into Anthropic's event sequence (message_start, ping,
// content_block_start/delta/stop with text, thinking and input_json deltas, message_delta, message_stop).
import { randomHex } from "../ids.ts";
import type { Body } from "./surface.ts";

type Block = Record<string, any>;
type ChatMessage = Record<string, unknown>;

const FINISH_TO_STOP: Record<string, string> = { stop: "end_turn", length: "max_tokens", tool_calls: "tool_use", function_call: "tool_use", content_filter: "refusal" };
export const stopReason = (finish: string | null | undefined) => FINISH_TO_STOP[finish ?? ""] ?? "end_turn";

const textOfBlocks = (content: unknown): string =>
  typeof content === "string" ? content : Array.isArray(content) ? content.map((b: Block) => (b?.type === "text" ? String(b.text ?? "") : "")).join("") : "";

/** A Messages request → a chat-completions body. Fields only Anthropic takes (thinking, top_k, context_management …) are dropped. */
export function messagesToChat(body: Body): Body {
  const messages: ChatMessage[] = [];
  const system = textOfBlocks(body.system);
  if (system) messages.push({ role: "system", content: system });
  for (const m of body.messages as { role: string; content: unknown }[]) {
    if (m.role === "assistant") messages.push(assistantMessage(m.content));
    else if (m.role === "system") messages.push({ role: "system", content: textOfBlocks(m.content) });
    else messages.push(...userMessages(m.content));
  }
  const chat: Body = { model: body.model, messages, max_tokens: body.max_tokens };
  if (body.stream === true) chat.stream = true, (chat.stream_options = { include_usage: true });
  if (body.temperature !== undefined) chat.temperature = body.temperature;
  if (body.top_p !== undefined) chat.top_p = body.top_p;
  if (Array.isArray(body.stop_sequences) && body.stop_sequences.length) chat.stop = body.stop_sequences;
  const user = (body.metadata as { user_id?: unknown } | undefined)?.user_id;
  if (typeof user === "string") chat.user = user;
  const tools = functionTools(body.tools);
  if (tools.length) {
    chat.tools = tools;
    const choice = toolChoice(body.tool_choice as Block | undefined);
    if (choice.choice !== undefined) chat.tool_choice = choice.choice;
    if (choice.parallel === false) chat.parallel_tool_calls = false;
  }
  return chat;
}

/** Custom tools (name, description, input_schema) become functions; Anthropic's own server tools (web_search, bash …) can't run elsewhere. */
function functionTools(tools: unknown): Body[] {
  if (!Array.isArray(tools)) return [];
  return tools
    .filter((t: Block) => t && (t.type === undefined || t.type === "custom") && typeof t.name === "string")
    .map((t: Block) => ({ type: "function", function: { name: t.name, ...(t.description ? { description: t.description } : {}), parameters: t.input_schema ?? { type: "object", properties: {} } } }));
}

function toolChoice(c: Block | undefined): { choice?: unknown; parallel?: boolean } {
  if (!c) return {};
  const parallel = c.disable_parallel_tool_use === true ? false : undefined;
  if (c.type === "any") return { choice: "required", parallel };
  if (c.type === "tool") return { choice: { type: "function", function: { name: c.name } }, parallel };
  if (c.type === "none") return { choice: "none" };
  return { choice: "auto", parallel };
}

/** A user turn: tool results become `tool` messages (first, as chat wants them right after the calls), the rest one user message. */
function userMessages(content: unknown): ChatMessage[] {
  if (typeof content === "string") return [{ role: "user", content }];
  const out: ChatMessage[] = [];
  const parts: Block[] = [];
  for (const b of content as Block[]) {
    if (b.type === "tool_result") out.push({ role: "tool", tool_call_id: b.tool_use_id, content: toolResultText(b) });
    else {
      const part = userPart(b);
      if (part) parts.push(part);
    }
  }
  if (parts.length) out.push({ role: "user", content: parts.length === 1 && parts[0]!.type === "text" ? parts[0]!.text : parts });
  return out;
}

function toolResultText(b: Block): string {
  const text = typeof b.content === "string" ? b.content : Array.isArray(b.content) ? textOfBlocks(b.content) : "";
  return b.is_error ? `Error: ${text}` : text;
}

function userPart(b: Block): Block | undefined {
  if (b.type === "text") return { type: "text", text: String(b.text ?? "") };
  if (b.type === "image") {
    const s = b.source ?? {};
    const url = s.type === "url" ? s.url : `data:${s.media_type};base64,${s.data}`;
    return { type: "image_url", image_url: { url } };
  }
  if (b.type === "document") {
    const s = b.source ?? {};
    if (s.type === "text") return { type: "text", text: String(s.data ?? "") };
    if (s.type === "base64") return { type: "file", file: { filename: b.title ?? "document.pdf", file_data: `data:${s.media_type};base64,${s.data}` } };
    if (s.type === "url") return { type: "text", text: `[document: ${s.url}]` };
  }
  return undefined; // thinking, redacted_thinking, server tool blocks: nothing another provider can read
}

function assistantMessage(content: unknown): ChatMessage {
  if (typeof content === "string") return { role: "assistant", content };
  const blocks = content as Block[];
  const text = blocks.filter((b) => b.type === "text").map((b) => b.text).join("");
  const calls = blocks.filter((b) => b.type === "tool_use").map((b) => ({ id: b.id, type: "function", function: { name: b.name, arguments: JSON.stringify(b.input ?? {}) } }));
  const message: ChatMessage = { role: "assistant", content: text || (calls.length ? null : "") };
  if (calls.length) message.tool_calls = calls;
  return message;
}

const messageId = () => `msg_${randomHex(12)}`;

/** A chat.completion → an Anthropic Message. */
export function chatToMessage(answer: Body, model: string): Body {
  const choice = (answer.choices as { message?: Block; finish_reason?: string }[] | undefined)?.[0];
  const m = choice?.message ?? {};
  const content: Block[] = [];
  const reasoning = m.reasoning_content ?? m.reasoning;
  if (typeof reasoning === "string" && reasoning) content.push({ type: "thinking", thinking: reasoning, signature: "" });
  if (typeof m.content === "string" && m.content) content.push({ type: "text", text: m.content });
  for (const c of (m.tool_calls ?? []) as Block[]) content.push({ type: "tool_use", id: c.id, name: c.function?.name, input: parseArgs(c.function?.arguments) });
  if (!content.length) content.push({ type: "text", text: "" });
  const u = (answer.usage ?? {}) as { prompt_tokens?: number; completion_tokens?: number };
  return {
    id: messageId(), type: "message", role: "assistant", model, content,
    stop_reason: stopReason(choice?.finish_reason), stop_sequence: null,
    usage: { input_tokens: u.prompt_tokens ?? 0, output_tokens: u.completion_tokens ?? 0 },
  };
}

function parseArgs(text: unknown): unknown {
  if (typeof text !== "string" || !text) return {};
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}

export const event = (type: string, data: Body) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

// The events every translated stream writes, from templates: JSON.stringify runs on the values only (a
// text delta costs a seventh of stringifying the whole event object), and numbers from upstream are checked.
const raw = (type: string, json: string) => `event: ${type}\ndata: {"type":"${type}",${json}}\n\n`;
const PING = "event: ping\ndata: {\"type\":\"ping\"}\n\n";
const MESSAGE_STOP = "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
const count = (n: unknown) => (typeof n === "number" && Number.isFinite(n) ? n : 0);
const usageJson = (u: { input_tokens: number; output_tokens: number }) => `{"input_tokens":${count(u.input_tokens)},"output_tokens":${count(u.output_tokens)}}`;
const blockStop = (index: number) => raw("content_block_stop", `"index":${index}`);
const textStart = (index: number) => raw("content_block_start", `"index":${index},"content_block":{"type":"text","text":""}`);
const textDelta = (index: number, text: string) => raw("content_block_delta", `"index":${index},"delta":{"type":"text_delta","text":${JSON.stringify(text)}}`);

type Kind = "text" | "thinking" | "tool_use";

/** Chat chunks → Anthropic stream events; blocks open and close as the kind of delta changes. */
export function chatStreamToEvents(model: string) {
  let started = false;
  let open: Kind | undefined;
  let index = -1;
  const tools = new Map<number, number>(); // chat tool_call index → block index
  let finish: string | null = null;
  let usage = { input_tokens: 0, output_tokens: 0 };
  let out = "";

  const start = () => {
    if (started) return;
    started = true;
    out += raw("message_start", `"message":{"id":"${messageId()}","type":"message","role":"assistant","model":${JSON.stringify(model)},"content":[],"stop_reason":null,"stop_sequence":null,"usage":${usageJson(usage)}}`);
    out += PING;
  };
  const close = () => {
    if (open !== undefined) out += blockStop(index);
    open = undefined;
  };
  const openBlock = (kind: Kind, block?: Body) => {
    close();
    open = kind;
    index++;
    out += block ? event("content_block_start", { index, content_block: block }) : textStart(index);
  };

  const chunk = (c: Block) => {
    if (c.usage) usage = { input_tokens: count(c.usage.prompt_tokens), output_tokens: count(c.usage.completion_tokens) };
    const choice = c.choices?.[0];
    if (!choice) return;
    const d = choice.delta ?? {};
    const reasoning = d.reasoning_content ?? d.reasoning;
    if (typeof reasoning === "string" && reasoning) {
      if (open !== "thinking") openBlock("thinking", { type: "thinking", thinking: "", signature: "" });
      out += event("content_block_delta", { index, delta: { type: "thinking_delta", thinking: reasoning } });
    }
    if (typeof d.content === "string" && d.content) {
      if (open !== "text") openBlock("text");
      out += textDelta(index, d.content);
    }
    for (const t of (d.tool_calls ?? []) as Block[]) {
      const i = Number(t.index ?? 0);
      if (!tools.has(i)) {
        openBlock("tool_use", { type: "tool_use", id: t.id ?? `toolu_${randomHex(12)}`, name: t.function?.name ?? "", input: {} });
        tools.set(i, index);
      }
      const args = t.function?.arguments;
      if (typeof args === "string" && args) out += event("content_block_delta", { index: tools.get(i)!, delta: { type: "input_json_delta", partial_json: args } });
    }
    if (choice.finish_reason) finish = choice.finish_reason;
  };

  return {
    push(chunks: object[]): string {
      out = "";
      start();
      for (const c of chunks) chunk(c as Block);
      return out;
    },
    end(chunks: object[]): string {
      out = "";
      start();
      for (const c of chunks) chunk(c as Block);
      if (index < 0) openBlock("text");
      close();
      out += raw("message_delta", `"delta":{"stop_reason":"${stopReason(finish)}","stop_sequence":null},"usage":${usageJson(usage)}`);
      return out + MESSAGE_STOP;
    },
  };
}

/** A whole Message replayed as its stream (a cached answer for a streaming request). */
export function messageToEvents(message: Block): string {
  let out = event("message_start", { message: { ...message, content: [], stop_reason: null, stop_sequence: null } }) + PING;
  (message.content as Block[] ?? []).forEach((b, index) => {
    if (b.type === "text") {
      out += textStart(index) + textDelta(index, String(b.text ?? ""));
    } else if (b.type === "thinking") {
      out += event("content_block_start", { index, content_block: { type: "thinking", thinking: "", signature: "" } });
      out += event("content_block_delta", { index, delta: { type: "thinking_delta", thinking: b.thinking } });
      if (b.signature) out += event("content_block_delta", { index, delta: { type: "signature_delta", signature: b.signature } });
    } else if (b.type === "tool_use") {
      out += event("content_block_start", { index, content_block: { ...b, input: {} } });
      out += event("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: JSON.stringify(b.input ?? {}) } });
    } else out += event("content_block_start", { index, content_block: b });
    out += blockStop(index);
  });
  out += event("message_delta", { delta: { stop_reason: message.stop_reason, stop_sequence: message.stop_sequence ?? null }, usage: message.usage });
  return out + MESSAGE_STOP;
}
