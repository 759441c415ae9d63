// Anthropic Messages (`POST /v1/messages`, Claude Code's API). An `anthropic/` deployment speaks it natively:
// the client's body is relayed with only the model and credentials changed, every field and `anthropic-beta`
// header included. Any other provider gets the request translated into the internal chat form (messages-chat.ts),
// and its answer and stream translated back. Errors are `{"type":"error","error":{"type","message"}}`.
import type { GatewayError } from "../errors.ts";
import type { ErrorClass } from "../providers/types.ts";
import { chatStreamToEvents, chatToMessage, messagesToChat, messageToEvents } from "./messages-chat.ts";
import type { Body, Parsed, Surface, TokenCounts } from "./surface.ts";
import { checkFields, checkItems, invalid, is, required, type Check, type Fields } from "./validate.ts";

const strings: Check = (v) => (Array.isArray(v) && v.every((s) => typeof s === "string") ? undefined : "an array of strings");
const FIELDS: Fields = {
  system: is.stringOrArray, stream: is.boolean, stop_sequences: strings, temperature: is.number, top_p: is.number, top_k: is.nonNegativeInteger,
  metadata: is.object, tools: is.array, tool_choice: is.object, thinking: is.object, service_tier: is.string,
};
const BLOCK: Fields = { type: is.string };
const TOOL: Fields = { name: is.string, type: is.string, input_schema: is.object };

/** The body's messages, system and tools checked (Messages and count_tokens share them). */
export function checkConversation(body: Body): void {
  required(body, "model", is.string);
  required(body, "messages", is.array);
  checkFields(body, FIELDS);
  checkItems(body.messages as unknown[], "messages", (m, prefix) => {
    required(m, "role", is.string, prefix); // user, assistant, and mid-conversation system turns (Claude Code sends them)
    required(m, "content", is.stringOrArray, prefix);
    if (Array.isArray(m.content)) checkItems(m.content, `${prefix}content`, (b, p) => (required(b, "type", is.string, p), checkFields(b, BLOCK, p)));
  });
  if (Array.isArray(body.system)) checkItems(body.system, "system", (b, p) => required(b, "type", is.string, p));
  if (Array.isArray(body.tools)) checkItems(body.tools, "tools", (t, p) => checkFields(t, TOOL, p));
}

/** Built once per request, on first use: a native relay never translates. */
function translated(this: Parsed & { chat?: Body }): Body {
  return (this.chat ??= messagesToChat(this.body));
}

const ERROR_TYPES: Partial<Record<ErrorClass, string>> = {
  AuthenticationError: "authentication_error", PermissionDeniedError: "permission_error", NotFoundError: "not_found_error",
  RateLimitError: "rate_limit_error", Timeout: "timeout_error", ServiceUnavailableError: "overloaded_error",
  InternalServerError: "api_error", APIConnectionError: "api_error",
};

export function anthropicError(e: GatewayError): string {
  const type = e.status === 413 ? "request_too_large" : (ERROR_TYPES[e.errorClass] ?? "invalid_request_error");
  return JSON.stringify({ type: "error", error: { type, message: e.message } });
}

const INPUT = /"input_tokens":\s*(\d+)/g;
const OUTPUT = /"output_tokens":\s*(\d+)/g;
const CACHE = /"cache_(?:creation|read)_input_tokens":\s*(\d+)/g;
const last = (re: RegExp, text: string) => {
  let n: number | undefined;
  for (const m of text.matchAll(re)) n = Number(m[1]);
  return n;
};

/** Anthropic's usage (message_start carries the input, message_delta the output); cached input counts as input, as LiteLLM bills it. */
export function scanAnthropicUsage(text: string, into: TokenCounts): void {
  if (!text.includes('"usage"')) return;
  const input = last(INPUT, text);
  if (input !== undefined) {
    let cached = 0;
    for (const m of text.matchAll(CACHE)) cached += Number(m[1]);
    into.inputTokens = input + cached;
  }
  const output = last(OUTPUT, text);
  if (output !== undefined) into.outputTokens = output;
}

export const messages: Surface = {
  api: "messages",
  paths: ["/v1/messages"],
  endpoint: "chat",
  internalFormat: false,
  callType: "anthropic_messages",

  parse(body, headers) {
    checkConversation(body);
    required(body, "max_tokens", is.positiveInteger);
    if ((body.messages as unknown[]).length === 0) throw invalid("messages", "a non-empty array", body.messages);
    return { model: body.model as string, stream: body.stream === true, body, headers, internal: translated };
  },

  render: (answer, parsed) => chatToMessage(answer, parsed.model),
  stream: (parsed) => chatStreamToEvents(parsed.model),
  replay: (text) => messageToEvents(JSON.parse(text) as Body),
  scanUsage: scanAnthropicUsage,
  relayEnd: () => "",
  error: anthropicError,
  streamError: (e) => `event: error\ndata: ${anthropicError(e)}\n\n`,
};
