// The contract every provider module implements (lib/gateway/providers/<name>/index.ts): build the upstream
// request from an OpenAI-format body, turn the answer (whole or streamed) back into OpenAI format, and
// classify errors. Providers are pure translations: no I/O, no timers — the request path does the calling.
import type { IncomingHttpHeaders } from "node:http";
import type { LitellmParams } from "../config/schema.ts";

export type Endpoint = "chat" | "completion" | "embedding";

/** A deployment as the request path calls it: secrets resolved, provider prefix split off. */
export interface UpstreamTarget {
  /** The provider prefix of `litellm_params.model`, e.g. `openai`, `gemini`, `ollama_chat`. */
  provider: string;
  /** The model id the provider expects: `litellm_params.model` without the prefix. */
  model: string;
  /** The deployment's params with `os.environ/…` references already replaced by their values. */
  params: LitellmParams;
}

export interface UpstreamRequest {
  url: string;
  method: "POST" | "GET";
  headers: Record<string, string>;
  body: string;
}

/** LiteLLM's exception classes; the router's retry policy and fallbacks key on these. */
export type ErrorClass =
  | "BadRequestError"
  | "AuthenticationError"
  | "PermissionDeniedError"
  | "NotFoundError"
  | "Timeout"
  | "UnprocessableEntityError"
  | "RateLimitError"
  | "ContextWindowExceededError"
  | "ContentPolicyViolationError"
  | "InternalServerError"
  | "ServiceUnavailableError"
  | "APIConnectionError";

export interface ProviderError {
  errorClass: ErrorClass;
  /** HTTP status the gateway answers with. */
  status: number;
  message: string;
  /** OpenAI error `type`, e.g. `invalid_request_error`, `rate_limit_error`. */
  type: string;
  code: string | null;
  /** From an upstream `retry-after` header, when present. */
  retryAfterMs?: number;
}

/** Turns upstream stream bytes into OpenAI `chat.completion.chunk` objects, keeping partial lines between pushes. */
export interface StreamTranslator {
  push(text: string): object[];
  end(): object[];
}

/**
 * A client API other than chat completions that the provider's upstream speaks itself (Anthropic's Messages,
 * OpenAI's Responses): the client's body goes upstream with the deployment's model and credentials, and the
 * answer comes back to the client as bytes (the surface reads usage on the way).
 */
export interface NativeApi {
  buildRequest(body: Record<string, unknown>, target: UpstreamTarget, stream: boolean, headers: IncomingHttpHeaders): UpstreamRequest;
  /** The API's own token count (Anthropic's `/v1/messages/count_tokens`), when it has one. */
  tokenCountRequest?(body: Record<string, unknown>, target: UpstreamTarget, headers: IncomingHttpHeaders): UpstreamRequest;
}

export interface Provider {
  /** Prefixes of `litellm_params.model` served by this module, e.g. ["gemini"]. */
  prefixes: readonly string[];
  /**
   * The upstream already speaks OpenAI's format: its answers (whole or streamed) are forwarded as bytes, and
   * parseResponse / streamTranslator are only used to read usage. The fast path for OpenAI-compatible servers.
   */
  passthrough?: boolean;
  endpoints: readonly Endpoint[];
  /** Client APIs this provider speaks natively (anthropic → messages, openai → responses); others are translated. */
  native?: Partial<Record<"messages" | "responses", NativeApi>>;
  buildRequest(endpoint: Endpoint, body: Record<string, unknown>, target: UpstreamTarget, stream: boolean): UpstreamRequest;
  /** Upstream JSON → OpenAI JSON (chat.completion, text_completion or list of embeddings) with `usage`. */
  parseResponse(endpoint: Endpoint, upstream: unknown, target: UpstreamTarget, body: Record<string, unknown>): Record<string, unknown>;
  streamTranslator(target: UpstreamTarget, body: Record<string, unknown>): StreamTranslator;
  mapError(status: number, body: string, headers: Record<string, string | string[] | undefined>): ProviderError;
}
