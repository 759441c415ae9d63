// OpenAI's Responses API (`POST /v1/responses`, Codex CLI and the Agents SDK). An `openai/` deployment gets
// the body itself (Provider.native.responses) and its bytes are relayed; every other provider is bridged
// through the chat form (responses-bridge.ts). `store` (the API's default) keeps each answer for
// `previous_response_id` and GET/DELETE /v1/responses/{id}, per key (state/responses.ts).
import type { IncomingHttpHeaders } from "node:http";
import type { Caller } from "../auth.ts";
import { GatewayError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { ResponseStore } from "../state/responses.ts";
import { chatRequest, fromChatCompletion, inputItems, newId, replayEvents, ResponsesEvents } from "./responses-bridge.ts";
import { openaiError } from "./openai.ts";
import type { Body, Parsed, StreamRenderer, Surface, TokenCounts } from "./surface.ts";
import { checkFields, checkItems, is, required, type Fields } from "./validate.ts";

const FIELDS: Fields = {
  stream: is.boolean, instructions: is.string, tools: is.array, tool_choice: is.stringOrObject, max_output_tokens: is.positiveInteger,
  reasoning: is.object, include: is.stringOrStrings, text: is.object, store: is.boolean, previous_response_id: is.string,
  temperature: is.number, top_p: is.number, parallel_tool_calls: is.boolean, metadata: is.object, user: is.string,
  truncation: is.oneOf("auto", "disabled"), background: is.boolean, max_tool_calls: is.positiveInteger,
};
const MESSAGE: Fields = { role: is.oneOf("user", "assistant", "system", "developer"), content: is.stringOrArray };
const CALL: Fields = { call_id: is.string, name: is.string, arguments: is.string };
const TOOL: Fields = { type: is.string, name: is.string, parameters: is.object, strict: is.boolean };
const TEXT: Fields = { format: is.object };
const REASONING: Fields = { effort: is.string, summary: is.string };

/** What a Responses request carries beyond the common Parsed. */
interface ResponsesParsed extends Parsed {
  /** The Response id a bridged answer gets (a native one comes with the upstream's). */
  id: string;
  /** The request as the client sent it, for the echoed settings. */
  original: Body;
  /** The input items, previous turns included once prepare has run. */
  items: unknown[];
  dropped: string[];
  logger?: Logger;
  /** A bridged stream's events, for the sequence number of an error that ends it. */
  events?: ResponsesEvents;
}

const parsedOf = (p: Parsed) => p as ResponsesParsed;
const UNSET_PREVIOUS = /"previous_response_id":\s*null/g;

/** The internal chat body, made once; tools no chat model can run are dropped with a warning. */
function internal(this: ResponsesParsed): Body {
  const chat = chatRequest(this.body, this.items as Record<string, unknown>[], this.dropped);
  if (this.dropped.length) this.logger?.warn({ model: this.model, tools: this.dropped }, "tools this provider can't run were dropped from a Responses request");
  this.internal = () => chat;
  return chat;
}

export const responses: Surface = {
  api: "responses",
  paths: ["/v1/responses", "/responses"],
  endpoint: "chat",
  internalFormat: false,
  callType: "aresponses",

  parse(body: Body, headers: IncomingHttpHeaders): Parsed {
    required(body, "model", is.string);
    required(body, "input", is.stringOrArray);
    checkFields(body, FIELDS);
    if (Array.isArray(body.input)) checkItems(body.input, "input", checkInputItem);
    if (Array.isArray(body.tools)) checkItems(body.tools, "tools", (t, prefix) => {
      required(t, "type", is.string, prefix);
      checkFields(t, TOOL, prefix);
      if (t.type === "function") required(t, "name", is.string, prefix);
    });
    if (body.text) checkFields(body.text as Body, TEXT, "text.");
    if (body.reasoning) checkFields(body.reasoning as Body, REASONING, "reasoning.");
    const parsed: ResponsesParsed = {
      model: body.model as string, stream: body.stream === true, body, headers, internal,
      id: newId("resp"), original: body, items: inputItems(body.input), dropped: [],
    };
    return parsed;
  },

  async prepare(parsed, ctx) {
    const p = parsedOf(parsed);
    p.logger = ctx.logger;
    const owner = ctx.caller.hashedKey;
    const previousId = p.body.previous_response_id as string | undefined;
    if (previousId) {
      const previous = ctx.responses && (await ctx.responses.get(previousId, owner));
      if (!previous) throw new GatewayError(404, "NotFoundError", `Previous response with id '${previousId}' not found.`, "previous_response_id");
      p.items = [...previous.input, ...((previous.response.output as Body[] | undefined) ?? []).map(asInput), ...p.items];
      // The upstream gets the whole conversation; the id is the gateway's, not one it knows — so its answer,
      // relayed, echoes null, which goes back to the client as the id it sent.
      const { previous_response_id: _, ...rest } = p.body;
      p.body = { ...rest, input: p.items };
      const echo = `"previous_response_id":${JSON.stringify(previousId)}`;
      p.rewrite = (text) => text.replace(UNSET_PREVIOUS, echo);
    }
    if (p.body.store !== false && ctx.responses) keepAnswers(p, ctx.responses, owner);
  },

  render: (answer, parsed) => fromChatCompletion(answer, parsedOf(parsed).original, parsedOf(parsed).id),

  stream(parsed): StreamRenderer {
    const p = parsedOf(parsed);
    const events = (p.events = new ResponsesEvents(p.id, p.original));
    return {
      push: (chunks) => events.push(chunks),
      end(chunks) {
        const out = events.end(chunks);
        p.answered?.(events.completed!);
        return out;
      },
    };
  },

  replay: (text) => replayEvents(JSON.parse(text) as Record<string, unknown>),
  scanUsage: scanResponsesUsage,
  relayEnd: () => "",
  error: openaiError,
  streamError: (e, parsed) => (parsedOf(parsed).events ?? new ResponsesEvents("", {})).error(e),
};

/** An earlier answer's output item as input: messages and calls without their ids, which no upstream stored (reasoning keeps its own). */
const asInput = (item: Body) => {
  if (item.type === "reasoning") return item;
  const { id: _, ...rest } = item;
  return rest;
};

function checkInputItem(i: Body, prefix: string): void {
  const type = i.type ?? (i.role ? "message" : undefined);
  if (type === undefined) throw new GatewayError(400, "BadRequestError", `'${prefix}type' is required: message, function_call, function_call_output, reasoning …`, `${prefix}type`);
  if (type === "message") required(i, "role", is.string, prefix), required(i, "content", is.stringOrArray, prefix), checkFields(i, MESSAGE, prefix);
  if (type === "function_call") required(i, "call_id", is.string, prefix), required(i, "name", is.string, prefix), required(i, "arguments", is.string, prefix), checkFields(i, CALL, prefix);
  if (type === "function_call_output") required(i, "call_id", is.string, prefix), required(i, "output", is.stringOrArray, prefix);
}

/** Stores each answer this request produces: whole ones as they are sent, relayed streams from their response.completed event. */
function keepAnswers(p: ResponsesParsed, store: ResponseStore, owner: string): void {
  const keep = (response: Record<string, unknown>) => {
    if (typeof response.id !== "string") return;
    store.put({ id: response.id, owner, response, input: p.items }).catch((e: Error) => p.logger?.error({ error: e.message, id: response.id }, "a stored Response could not be written"));
  };
  p.answered = (text) => {
    try {
      keep(JSON.parse(text) as Record<string, unknown>);
    } catch {
      // not a Response: nothing to keep
    }
  };
  let pending = "";
  p.relayed = (text) => {
    pending += text;
    const at = pending.indexOf('"type":"response.completed"');
    if (at < 0) return void (pending = pending.slice(-64));
    const line = pending.slice(pending.lastIndexOf("data:", at) + 5);
    const end = line.indexOf("\n");
    if (end < 0) return; // the event's line is not whole yet
    pending = "";
    try {
      keep((JSON.parse(line.slice(0, end)) as { response: Record<string, unknown> }).response);
    } catch {
      // a malformed event: nothing to keep
    }
  };
}

const INPUT_TOKENS = /"input_tokens":\s*(\d+)/;
const OUTPUT_TOKENS = /"output_tokens":\s*(\d+)/;

/**
 * Usage out of Responses wire text (a relayed answer, or a stream's response.completed event). These keys
 * appear only in usage objects (a model's text has its quotes escaped), so a window without `"usage"` —
 * the counts of a usage object split across chunks — still counts.
 */
export function scanResponsesUsage(text: string, into: TokenCounts): void {
  if (!text.includes('_tokens"')) return;
  const i = INPUT_TOKENS.exec(text);
  const o = OUTPUT_TOKENS.exec(text);
  if (i) into.inputTokens = Number(i[1]);
  if (o) into.outputTokens = Number(o[1]);
}

/** GET and DELETE /v1/responses/{id}: the caller's own stored answers; any other id is a 404. */
export async function storedResponse(store: ResponseStore | undefined, caller: Caller, encodedId: string, method: "GET" | "DELETE"): Promise<object> {
  const [id, sub] = decodeURIComponent(encodedId).split("/");
  const notFound = () => new GatewayError(404, "NotFoundError", `Response with id '${id}' not found.`, "response_id");
  if (!store || !id) throw notFound();
  if (method === "DELETE" && !sub) {
    if (!(await store.delete(id, caller.hashedKey))) throw notFound();
    return { id, object: "response", deleted: true };
  }
  const stored = await store.get(id, caller.hashedKey);
  if (!stored || (sub && sub !== "input_items")) throw notFound();
  if (!sub) return stored.response;
  const data = stored.input.map((i) => (typeof i === "object" && i && !("id" in i) ? { id: newId("msg"), ...i } : i)) as { id: string }[];
  return { object: "list", data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: false };
}
