// What the OpenAI-format surfaces (chat, completions, embeddings) share: their internal form is their wire
// format, so parsing checks fields and keeps the body, rendering is the identity, a stream is `data:` lines
// ending in `[DONE]`, and errors are `{"error":{"message","type","param","code"}}`.
import type { IncomingHttpHeaders } from "node:http";
import type { GatewayError } from "../errors.ts";
import { sse, type Body, type Parsed, type StreamRenderer, type Surface, type TokenCounts } from "./surface.ts";

/** `parsed.internal()` of a surface whose wire format is the internal one: the body itself, no closure per request. */
function bodyItself(this: Parsed): Body {
  return this.body;
}

export const asIs = (body: Body, headers: IncomingHttpHeaders, stream: boolean): Parsed => ({ model: body.model as string, stream, body, headers, internal: bodyItself });

const DONE = "data: [DONE]\n\n";

export const openaiStream: StreamRenderer = {
  push: (chunks) => (chunks.length === 1 ? sse(chunks[0]!) : chunks.map(sse).join("")),
  end: (chunks) => chunks.map(sse).join("") + DONE,
};

export const relayEnd = (tail: string) => (tail.includes("[DONE]") ? "" : DONE);

export const openaiError = (e: GatewayError) => e.body();

/** LiteLLM's mid-stream error: a data line with the error body (the SDKs raise it as an APIError). */
const openaiStreamError = (e: GatewayError) => `data: ${e.body()}\n\n`;

/** How every OpenAI-format surface ends a relayed stream and renders errors, whole and mid-stream. */
export const openaiEnds = { relayEnd, error: openaiError, streamError: openaiStreamError } satisfies Partial<Surface>;

const PROMPT_TOKENS = /"prompt_tokens":\s*(\d+)/;
const COMPLETION_TOKENS = /"completion_tokens":\s*(\d+)/;

/** Picks usage out of OpenAI-format text without parsing it (relayed answers and streams). */
export function scanOpenaiUsage(text: string, into: TokenCounts): void {
  if (!text.includes('"usage"')) return;
  const p = PROMPT_TOKENS.exec(text);
  const c = COMPLETION_TOKENS.exec(text);
  if (p) into.inputTokens = Number(p[1]);
  if (c) into.outputTokens = Number(c[1]);
}
