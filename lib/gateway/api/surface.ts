// The contract every client-facing API module implements (lib/gateway/api/<name>.ts). A surface turns its
// wire format into the gateway's internal call — OpenAI chat-completions-shaped, the form the Provider
// interface speaks — and the internal answer and stream back into its wire format, and renders errors in its
// own shape. The pipeline (lib/gateway/pipeline) calls this interface and never knows which API it serves.
import type { IncomingHttpHeaders } from "node:http";
import type { Caller } from "../auth.ts";
import type { GatewayError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { ResponseStore } from "../state/responses.ts";
import type { Endpoint } from "../providers/types.ts";

export type Body = Record<string, unknown>;

/** The client APIs; a provider may speak one itself (Provider.native), then the bytes are relayed. */
export type ClientApi = "chat" | "completions" | "embeddings" | "messages" | "responses" | "rerank";

/** Token counts read from an answer, whatever its wire format. */
export interface TokenCounts { inputTokens?: number; outputTokens?: number }

/** A client request after parsing and validation. */
export interface Parsed {
  /** The model group asked for. */
  model: string;
  stream: boolean;
  /** The client's body as it came: what a native relay sends on, and what the cache key is made of. */
  body: Body;
  /** The internal (OpenAI chat/completions/embeddings) body; built on first use, so a native relay never pays for it. */
  internal(): Body;
  /** Request headers a native relay forwards (e.g. `anthropic-beta`). */
  headers: IncomingHttpHeaders;
  /** Set by a surface that keeps answers (Responses `store`): a whole answer in this API's format, just before it is sent. */
  answered?(text: string): void;
  /** Set with `answered`: the text of a relayed stream, chunk by chunk. */
  relayed?(text: string): void;
  /** Set by a surface whose relayed answers need a change (Responses: echo the gateway's previous_response_id). */
  rewrite?(text: string): string;
}

/** What a surface's `prepare` may use: the caller and the gateway's stores. */
export interface SurfaceContext {
  caller: Caller;
  logger: Logger;
  responses?: ResponseStore;
}

/** Internal `chat.completion.chunk` objects (from a provider's StreamTranslator or a mock) → this API's stream text. */
export interface StreamRenderer {
  push(chunks: object[]): string;
  /** The rest of the stream after the last chunk, terminator included. */
  end(chunks: object[]): string;
}

export interface Surface {
  api: ClientApi;
  /** Request paths, without a query string (`?beta=true` is allowed on every path). */
  paths: readonly string[];
  /** The Provider endpoint the internal call runs on. */
  endpoint: Endpoint;
  /**
   * The internal form is this API's own wire format (chat, completions, embeddings): render is the identity
   * and a `passthrough` provider (OpenAI-compatible) relays the bytes.
   */
  internalFormat: boolean;
  /** LiteLLM's `call_type` in spend logs. */
  callType: string;
  /** Parses and type-checks the body; a GatewayError (400) naming the field when it is wrong. */
  parse(body: Body, headers: IncomingHttpHeaders): Parsed;
  /** Work that needs the caller or the gateway's state, after admission and before the cache (Responses: `previous_response_id`). */
  prepare?(parsed: Parsed, ctx: SurfaceContext): Promise<void>;
  /** The internal whole answer → this API's answer. */
  render(answer: Body, parsed: Parsed): Body;
  stream(parsed: Parsed): StreamRenderer;
  /** A cached whole answer (this API's format) replayed as this API's stream. */
  replay(answer: string, parsed: Parsed): string;
  /** Reads token counts out of this API's wire text (relayed bytes, whole or streamed) into `into`. */
  scanUsage(text: string, into: TokenCounts): void;
  /** What a relayed stream still needs after the upstream's last byte (`data: [DONE]` when it was missing). */
  relayEnd(tail: string): string;
  /** An error body in this API's shape. */
  error(e: GatewayError): string;
  /** The event that ends a stream failing after its head was sent (the upstream broke off), in this API's shape. */
  streamError(e: GatewayError, parsed: Parsed): string;
}

export const sse = (chunk: object) => `data: ${JSON.stringify(chunk)}\n\n`;
