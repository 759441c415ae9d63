// OpenAI-style error bodies with LiteLLM's exception classes: `{"error":{"message","type","param","code"}}`.
import type { ErrorClass, ProviderError } from "./providers/types.ts";

const TYPE: Record<ErrorClass, string> = {
  BadRequestError: "invalid_request_error",
  AuthenticationError: "auth_error",
  PermissionDeniedError: "permission_error",
  NotFoundError: "not_found_error",
  Timeout: "timeout_error",
  UnprocessableEntityError: "invalid_request_error",
  RateLimitError: "rate_limit_error",
  ContextWindowExceededError: "invalid_request_error",
  ContentPolicyViolationError: "invalid_request_error",
  InternalServerError: "internal_server_error",
  ServiceUnavailableError: "service_unavailable_error",
  APIConnectionError: "api_connection_error",
};

export class GatewayError extends Error {
  constructor(
    readonly status: number,
    readonly errorClass: ErrorClass,
    message: string,
    readonly param: string | null = null,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }

  static from(e: ProviderError): GatewayError {
    return new GatewayError(e.status, e.errorClass, e.message, null, e.retryAfterMs);
  }

  /** OpenAI's error type for the class (`rate_limit_error` …). */
  get type(): string {
    return TYPE[this.errorClass];
  }

  body(): string {
    return JSON.stringify({
      error: { message: `litellm.${this.errorClass}: ${this.message}`, type: this.type, param: this.param, code: String(this.status) },
    });
  }
}

export const badRequest = (message: string, param: string | null = null) => new GatewayError(400, "BadRequestError", message, param);

/** LiteLLM's class for an upstream HTTP status. */
export function classify(status: number, message = ""): ErrorClass {
  if (status === 400 && /context.?(window|length)|too many tokens|maximum context/i.test(message)) return "ContextWindowExceededError";
  if (status === 400 && /content.?(policy|filter)|safety/i.test(message)) return "ContentPolicyViolationError";
  const table: Record<number, ErrorClass> = {
    400: "BadRequestError", 401: "AuthenticationError", 403: "PermissionDeniedError", 404: "NotFoundError",
    408: "Timeout", 422: "UnprocessableEntityError", 429: "RateLimitError", 503: "ServiceUnavailableError",
  };
  return table[status] ?? (status >= 500 ? "InternalServerError" : "BadRequestError");
}

/** Upstream error → the status the gateway answers with (LiteLLM passes provider statuses through). */
export function upstreamError(status: number, body: string, retryAfter?: string | string[]): ProviderError {
  const message = extractMessage(body) ?? `upstream answered ${status}`;
  const errorClass = classify(status, message);
  const seconds = Number(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
  return {
    errorClass, status: status >= 400 && status < 600 ? status : 500, message, type: TYPE[errorClass], code: String(status),
    ...(Number.isFinite(seconds) && seconds >= 0 ? { retryAfterMs: seconds * 1000 } : {}),
  };
}

function extractMessage(body: string): string | undefined {
  try {
    const j = JSON.parse(body) as { error?: { message?: string } | string; message?: string };
    return typeof j.error === "string" ? j.error : (j.error?.message ?? j.message);
  } catch {
    return body ? body.slice(0, 500) : undefined;
  }
}
