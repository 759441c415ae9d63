// The Responses API bridged through the internal chat form, for every provider that doesn't speak it itself:
// a Responses request → a chat request, a chat answer → a Response object, chat chunks → Responses events.
import { randomHex } from "../ids.ts";
import type { GatewayError } from "../errors.ts";
import type { Body } from "./surface.ts";

type Item = Record<string, any>;
type ChatMessage = { role: string; content?: unknown; tool_calls?: object[]; tool_call_id?: string };

/** 32 hex digits after the prefix. */
export const newId = (prefix: string) => `${prefix}_${randomHex(16)}`;

/** The input as a list of items (a string is one user message). */
export const inputItems = (input: unknown): Item[] => (typeof input === "string" ? [{ type: "message", role: "user", content: input }] : ((input as Item[] | undefined) ?? []));

/** Responses content parts → chat content (a string when it is only text). */
function chatContent(content: unknown): unknown {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  const parts = content.map((p: Item): Item | undefined => {
    if (p.type === "input_text" || p.type === "output_text" || p.type === "text" || p.type === "refusal") return { type: "text", text: p.text ?? p.refusal ?? "" };
    if (p.type === "input_image") return { type: "image_url", image_url: { url: p.image_url ?? p.file_id ?? "", ...(p.detail ? { detail: p.detail } : {}) } };
    if (p.type === "input_file") return { type: "file", file: { file_data: p.file_data, file_id: p.file_id, filename: p.filename } };
    return undefined;
  }).filter((p): p is Item => p !== undefined);
  return parts.every((p) => p.type === "text") ? parts.map((p) => p.text).join("") : parts;
}

/** Input items → chat messages: function calls join the assistant turn before them, outputs become tool messages. */
export function chatMessages(instructions: unknown, items: Item[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  if (typeof instructions === "string" && instructions) out.push({ role: "system", content: instructions });
  for (const item of items) {
    const type = item.type ?? (item.role ? "message" : undefined);
    if (type === "message") {
      const role = item.role === "developer" ? "system" : item.role;
      out.push({ role, content: chatContent(item.content) });
    } else if (type === "function_call" || type === "custom_tool_call") {
      const call = { id: item.call_id, type: "function", function: { name: item.name, arguments: item.arguments ?? item.input ?? "" } };
      const last = out.at(-1);
      if (last?.role === "assistant") (last.tool_calls ??= []).push(call), (last.content ||= null);
      else out.push({ role: "assistant", content: null, tool_calls: [call] });
    } else if (type === "function_call_output" || type === "custom_tool_call_output") {
      out.push({ role: "tool", tool_call_id: item.call_id, content: typeof item.output === "string" ? item.output : chatContent(item.output) });
    }
    // reasoning items (and others a chat model can't read) carry nothing the chat form can hold
  }
  return out;
}

/** Function tools in the chat form; the rest (web_search, namespace, …) are named in `dropped`. */
export function chatTools(tools: Item[] | undefined, dropped: string[]): object[] | undefined {
  if (!tools?.length) return undefined;
  const out: object[] = [];
  for (const t of tools) {
    if (t.type === "function") out.push({ type: "function", function: { name: t.name, description: t.description, parameters: t.parameters ?? { type: "object", properties: {} }, ...(t.strict ? { strict: true } : {}) } });
    else dropped.push(t.type === "namespace" && t.name ? `namespace ${t.name}` : String(t.type));
  }
  return out.length ? out : undefined;
}

function chatToolChoice(choice: unknown): unknown {
  if (typeof choice === "string") return choice;
  const c = choice as Item | undefined;
  if (c?.type === "function" && c.name) return { type: "function", function: { name: c.name } };
  return undefined;
}

function responseFormat(text: Item | undefined): object | undefined {
  const f = text?.format as Item | undefined;
  if (f?.type === "json_object") return { type: "json_object" };
  if (f?.type === "json_schema") return { type: "json_schema", json_schema: { name: f.name ?? "response", schema: f.schema, ...(f.strict !== undefined ? { strict: f.strict } : {}), ...(f.description ? { description: f.description } : {}) } };
  return undefined;
}

/** A Responses request (its input already expanded with the previous turns) → the internal chat request. */
export function chatRequest(body: Body, items: Item[], dropped: string[]): Body {
  const chat: Body = { model: body.model, messages: chatMessages(body.instructions, items) };
  const tools = chatTools(body.tools as Item[] | undefined, dropped);
  if (tools) {
    chat.tools = tools;
    const choice = chatToolChoice(body.tool_choice);
    if (choice !== undefined) chat.tool_choice = choice;
    if (typeof body.parallel_tool_calls === "boolean") chat.parallel_tool_calls = body.parallel_tool_calls;
  }
  if (typeof body.max_output_tokens === "number") chat.max_tokens = body.max_output_tokens;
  for (const k of ["temperature", "top_p", "user", "metadata", "seed"] as const) if (body[k] !== undefined && body[k] !== null) chat[k] = body[k];
  const effort = (body.reasoning as Item | undefined)?.effort;
  if (typeof effort === "string" && effort !== "none") chat.reasoning_effort = effort;
  const format = responseFormat(body.text as Item | undefined);
  if (format) chat.response_format = format;
  if (body.stream === true) chat.stream = true, (chat.stream_options = { include_usage: true });
  return chat;
}

export interface Usage { input_tokens: number; output_tokens: number; total_tokens: number; input_tokens_details: { cached_tokens: number }; output_tokens_details: { reasoning_tokens: number } }

export function responsesUsage(u: Record<string, any> | undefined): Usage | null {
  if (!u) return null;
  const input = u.prompt_tokens ?? 0;
  const output = u.completion_tokens ?? 0;
  return {
    input_tokens: input, output_tokens: output, total_tokens: u.total_tokens ?? input + output,
    input_tokens_details: { cached_tokens: u.prompt_tokens_details?.cached_tokens ?? 0 },
    output_tokens_details: { reasoning_tokens: u.completion_tokens_details?.reasoning_tokens ?? 0 },
  };
}

/**
 * The pieces as one flat string. `+` and templates make a rope, and writing the stream walks a rope once for
 * each event that holds it: the settings sit in three events, the in-progress Response in two.
 */
const flat = (...pieces: string[]): string => pieces.join("");

/** A setting's JSON, or `absent` (OpenAI's default) when the request has none. */
const or = (value: unknown, absent: string) => (value === undefined || value === null ? absent : JSON.stringify(value));

/**
 * The request's settings a Response echoes, as OpenAI does (tools included, which can be long), as JSON
 * members from a template (a stream writes them in three events): JSON.stringify runs on the values only.
 */
function settingsJson(body: Body): string {
  const effort = (body.reasoning as Item | undefined)?.effort;
  return `"instructions":${or(body.instructions, "null")},"max_output_tokens":${or(body.max_output_tokens, "null")},` +
    `"parallel_tool_calls":${or(body.parallel_tool_calls, "true")},"previous_response_id":${or(body.previous_response_id, "null")},` +
    `"reasoning":{"effort":${or(effort, "null")},"summary":null},"store":${body.store !== false},"temperature":${or(body.temperature, "1")},` +
    `"text":${or(body.text, '{"format":{"type":"text"}}')},"tool_choice":${or(body.tool_choice, '"auto"')},"tools":${or(body.tools, "[]")},` +
    `"top_p":${or(body.top_p, "1")},"truncation":${or(body.truncation, '"disabled"')},"user":${or(body.user, "null")},"metadata":${or(body.metadata, "{}")}`;
}

/** The Response object around `output`. */
export function responseObject(id: string, body: Body, model: string, status: string, output: Item[], usage: Usage | null, incomplete?: string): Record<string, unknown> {
  return {
    id, object: "response", created_at: Math.floor(Date.now() / 1000), status, background: false, error: null,
    incomplete_details: incomplete ? { reason: incomplete } : null, model, output, usage, ...JSON.parse(`{${settingsJson(body)}}`),
  };
}

const messageItem = (id: string, text: string, status = "completed") => ({ id, type: "message", status, role: "assistant", content: text || status !== "completed" ? [outputText(text)] : [] });
const outputText = (text: string) => ({ type: "output_text", text, annotations: [], logprobs: [] });
// The text events' JSON from templates (the shapes of outputText and messageItem): JSON.stringify on the text only.
const outputTextJson = (textJson: string) => `{"type":"output_text","text":${textJson},"annotations":[],"logprobs":[]}`;
const messageItemJson = (id: string, status: string, content: string) => `{"id":"${id}","type":"message","status":"${status}","role":"assistant","content":[${content}]}`;
const EMPTY_PART = outputTextJson('""');
const callItem = (id: string, callId: string, name: string, args: string, status = "completed") => ({ id, type: "function_call", status, arguments: args, call_id: callId, name });
const reasoningItem = (id: string, text: string) => ({ id, type: "reasoning", summary: [{ type: "summary_text", text }] });

const incompleteReason = (finish: unknown) => (finish === "length" ? "max_output_tokens" : finish === "content_filter" ? "content_filter" : undefined);

/** A chat.completion → the Response object. */
export function fromChatCompletion(answer: Body, body: Body, id: string): Record<string, unknown> {
  const choice = (answer.choices as Item[] | undefined)?.[0];
  const message = (choice?.message ?? {}) as Item;
  const output: Item[] = [];
  if (typeof message.reasoning_content === "string" && message.reasoning_content) output.push(reasoningItem(newId("rs"), message.reasoning_content));
  const text = typeof message.content === "string" ? message.content : "";
  if (text || !message.tool_calls?.length) output.push(messageItem(newId("msg"), text));
  for (const t of (message.tool_calls ?? []) as Item[]) output.push(callItem(newId("fc"), t.id, t.function?.name ?? "", t.function?.arguments ?? ""));
  const incomplete = incompleteReason(choice?.finish_reason);
  return responseObject(id, body, String(answer.model ?? body.model), incomplete ? "incomplete" : "completed", output, responsesUsage(answer.usage as Item | undefined), incomplete);
}

/**
 * Chat chunks → Responses server-sent events: response.created / in_progress first, each output item opened,
 * filled by deltas and closed, then response.completed with the whole Response and its usage.
 */
export class ResponsesEvents {
  private seq = 0;
  private started = false;
  /** Output items: open ones as objects, a closed text item as its JSON (written whole in its output_item.done event). */
  private readonly output: (Item | string)[] = [];
  /** The open text item, and the fields every one of its deltas starts with. */
  private text?: { item: Item; index: number; text: string; ids: string };
  private readonly calls = new Map<number, { item: Item; index: number }>();
  private usage: Usage | null = null;
  private finish: unknown;
  private model: string;
  private readonly createdAt = Math.floor(Date.now() / 1000);
  /** The model's and the settings' JSON, made once for the three events that carry the whole Response. */
  private settings?: string;
  /** The final Response's JSON, once the stream ended. */
  completed?: string;

  constructor(private readonly id: string, private readonly body: Body) {
    this.model = String(body.model);
  }

  push(chunks: object[]): string {
    let out = this.start();
    for (const chunk of chunks as Item[]) {
      if (chunk.usage) this.usage = responsesUsage(chunk.usage);
      const choice = chunk.choices?.[0];
      if (!choice) continue;
      const delta = (choice.delta ?? {}) as Item;
      if (typeof delta.content === "string" && delta.content) out += this.textDelta(delta.content);
      for (const t of (delta.tool_calls ?? []) as Item[]) out += this.callDelta(t);
      if (choice.finish_reason) this.finish = choice.finish_reason;
    }
    return out;
  }

  end(chunks: object[]): string {
    let out = this.push(chunks) + this.closeText();
    for (const [, c] of this.calls) {
      c.item.status = "completed";
      out += this.event("response.function_call_arguments.done", { item_id: c.item.id, output_index: c.index, name: c.item.name, arguments: c.item.arguments });
      out += this.event("response.output_item.done", { output_index: c.index, item: c.item });
    }
    this.calls.clear();
    const incomplete = incompleteReason(this.finish);
    this.completed = this.responseJson(incomplete ? "incomplete" : "completed", true, incomplete);
    return out + this.raw(incomplete ? "response.incomplete" : "response.completed", `"response":${this.completed}`);
  }

  /**
   * responseObject as JSON, from a template: the model and settings are the same in every event, so they are
   * stringified once; the in-progress Response has no output or usage yet. (The id is one of ours: hex.)
   */
  private responseJson(status: string, done = false, incomplete?: string): string {
    this.settings ??= flat(`"model":${JSON.stringify(this.model)},`, settingsJson(this.body));
    const details = incomplete ? `{"reason":"${incomplete}"}` : "null";
    const output = done ? `[${this.output.map((item) => (typeof item === "string" ? item : JSON.stringify(item))).join(",")}]` : "[]";
    const usage = done ? JSON.stringify(this.usage) : "null";
    return `{"id":"${this.id}","object":"response","created_at":${this.createdAt},"status":"${status}","background":false,"error":null,"incomplete_details":${details},"output":${output},"usage":${usage},${this.settings}}`;
  }

  private start(): string {
    if (this.started) return "";
    this.started = true;
    const response = flat('"response":', this.responseJson("in_progress")); // once for both events
    return this.raw("response.created", response) + this.raw("response.in_progress", response);
  }

  // The text events, the most frequent by far, are written from templates.
  private textDelta(delta: string): string {
    let out = "";
    if (!this.text) {
      const item = messageItem(newId("msg"), "", "in_progress");
      item.content = [];
      const index = this.output.push(item) - 1;
      const ids = flat(`"item_id":"${item.id}","output_index":${index},"content_index":0`);
      this.text = { item, index, text: "", ids };
      out += this.raw("response.output_item.added", `"output_index":${index},"item":${messageItemJson(item.id, "in_progress", "")}`);
      out += this.raw("response.content_part.added", `${ids},"part":${EMPTY_PART}`);
    }
    this.text.text += delta;
    return out + this.raw("response.output_text.delta", `${this.text.ids},"delta":${JSON.stringify(delta)},"logprobs":[]`);
  }

  private closeText(): string {
    const t = this.text;
    if (!t) return "";
    this.text = undefined;
    const text = JSON.stringify(t.text);
    const part = outputTextJson(text);
    const { ids } = t;
    const item = messageItemJson(t.item.id, "completed", part);
    this.output[t.index] = item; // the text item, whole, as the final Response will carry it
    return (
      this.raw("response.output_text.done", `${ids},"text":${text},"logprobs":[]`) +
      this.raw("response.content_part.done", `${ids},"part":${part}`) +
      this.raw("response.output_item.done", `"output_index":${t.index},"item":${item}`)
    );
  }

  private callDelta(t: Item): string {
    const n = typeof t.index === "number" ? t.index : this.calls.size;
    let out = "";
    let c = this.calls.get(n);
    if (!c) {
      out += this.closeText();
      const item = callItem(newId("fc"), t.id ?? newId("call"), t.function?.name ?? "", "", "in_progress");
      c = { item, index: this.output.push(item) - 1 };
      this.calls.set(n, c);
      out += this.event("response.output_item.added", { output_index: c.index, item: { ...item } });
    }
    const args = t.function?.arguments;
    if (typeof args === "string" && args) {
      c.item.arguments += args;
      out += this.event("response.function_call_arguments.delta", { item_id: c.item.id, output_index: c.index, delta: args });
    }
    return out;
  }

  /** The Responses stream's `error` event. */
  error(e: GatewayError): string {
    return this.event("error", { code: e.type, message: e.message, param: e.param });
  }

  private event(type: string, data: object): string {
    return `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: this.seq++, ...data })}\n\n`;
  }

  /** An event whose fields after `type` and `sequence_number` are already JSON text. */
  private raw(type: string, fields: string): string {
    return `event: ${type}\ndata: {"type":"${type}","sequence_number":${this.seq++},${fields}}\n\n`;
  }
}

/** A whole Response replayed as its event stream (a cached answer asked for as a stream). */
export function replayEvents(response: Record<string, any>): string {
  let seq = 0;
  const ev = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`;
  const pending = { ...response, status: "in_progress", output: [], usage: null };
  let out = ev("response.created", { response: pending }) + ev("response.in_progress", { response: pending });
  (response.output as Item[] | undefined ?? []).forEach((item, output_index) => {
    out += ev("response.output_item.added", { output_index, item: { ...item, status: "in_progress", ...(item.type === "message" ? { content: [] } : {}), ...(item.type === "function_call" ? { arguments: "" } : {}) } });
    if (item.type === "message") {
      (item.content as Item[]).forEach((part, content_index) => {
        const ids = { item_id: item.id, output_index, content_index };
        out += ev("response.content_part.added", { ...ids, part: { ...part, text: "" } });
        if (part.text) out += ev("response.output_text.delta", { ...ids, delta: part.text, logprobs: [] });
        out += ev("response.output_text.done", { ...ids, text: part.text ?? "", logprobs: [] }) + ev("response.content_part.done", { ...ids, part });
      });
    } else if (item.type === "function_call") {
      out += ev("response.function_call_arguments.delta", { item_id: item.id, output_index, delta: item.arguments });
      out += ev("response.function_call_arguments.done", { item_id: item.id, output_index, name: item.name, arguments: item.arguments });
    }
    out += ev("response.output_item.done", { output_index, item });
  });
  return out + ev("response.completed", { response });
}
