// Writing the answer: LiteLLM's headers on every response, JSON bodies, SSE heads, errors in the surface's
// own shape, and back-pressure from a slow client.
import type { ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import { GatewayError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { costOf } from "../state/spend.ts";
import type { Call } from "./context.ts";

const JSON_TYPE = "application/json";
const SSE_TYPE = "text/event-stream";

/**
 * An answer's head in one writeHead, as the flat [name, value, …] list it takes: the gateway's own headers
 * (the worker), the call id, the content's, then LiteLLM's per call. An object there would be spread, and a
 * setHeader before it makes writeHead merge and check each header again: 10–19k instructions a response
 * (docs/performance.md). Rare headers — a cache key, retry-after — still use setHeader.
 */
function writeHead(call: Call, status: number, content: string[]): void {
  const head = call.headers.concat("x-litellm-call-id", call.id, content);
  head.push("x-litellm-model-id", call.deployment?.id ?? "", "x-litellm-overhead-duration-ms", (performance.now() - call.started - (call.llmMs ?? 0)).toFixed(3));
  if (call.inputTokens !== undefined || call.outputTokens !== undefined) head.push("x-litellm-response-cost", String(costOf(call.deployment, call.inputTokens, call.outputTokens)));
  call.res.writeHead(status, head);
}

/** The call's headers set on the response, for a handler that writes its own head (the console's files). */
export function setCallHeaders(call: Call): void {
  for (let i = 0; i < call.headers.length; i += 2) call.res.setHeader(call.headers[i]!, call.headers[i + 1]!);
  call.res.setHeader("x-litellm-call-id", call.id);
}

export function send(call: Call, status: number, body: string | Buffer, type = JSON_TYPE): void {
  if (call.res.headersSent) return void call.res.end();
  writeHead(call, status, ["content-type", type, "content-length", String(Buffer.byteLength(body))]);
  call.res.end(body);
}

export function startStream(call: Call): void {
  call.streaming = true;
  writeHead(call, 200, ["content-type", SSE_TYPE, "cache-control", "no-cache", "x-accel-buffering", "no"]);
}

/** Any failure as a JSON error in the surface's shape (OpenAI's before a surface is known); never a stack trace. */
export function fail(call: Call, e: unknown, logger: Logger): void {
  const error = e instanceof GatewayError ? e : new GatewayError(500, "InternalServerError", "Internal error; see the gateway logs");
  if (!(e instanceof GatewayError)) logger.error({ err: e, path: call.req.url }, "unhandled error");
  call.errorClass = error.errorClass;
  if (call.res.headersSent) return endStream(call, error);
  if (error.retryAfterMs !== undefined) call.res.setHeader("retry-after", String(Math.ceil(error.retryAfterMs / 1000)));
  send(call, error.status, call.surface ? call.surface.error(error) : error.body());
}

/**
 * A stream that fails after its head: its last event is the error in the surface's shape, so the client's SDK
 * raises it. Cut off inside an event (a relayed upstream broke mid-line), or with the client gone, it is closed.
 */
function endStream(call: Call, error: GatewayError): void {
  const { res, surface, parsed } = call;
  const whole = !call.midEvent && call.streaming === true;
  if (!whole || !surface || !parsed || res.destroyed || res.writableEnded || error.status === 499) return void res.destroy();
  res.end(surface.streamError(error, parsed));
}

/**
 * A stream's output with back-pressure. A piece is held only while the next read is already here (`more`), so
 * what arrives together — a short answer is often one upstream read, its end included — leaves in one write,
 * the end's when the end came too, and nothing waits on a provider that is slow to send more.
 */
export function streamOut(res: ServerResponse) {
  let held: (string | Buffer)[] = [];
  const take = () => {
    const all = held.length === 1 ? held[0]! : typeof held[0] === "string" ? held.join("") : Buffer.concat(held as Buffer[]);
    held = [];
    return all;
  };
  return {
    /** Adds a piece and, unless more is ready, writes what is held; a promise to wait for when the client's buffer is full. */
    push(piece: string | Buffer, more: boolean): Promise<void> | undefined {
      if (piece.length) held.push(piece);
      if (more || !held.length) return undefined;
      return res.write(take()) ? undefined : drained(res);
    },
    /** Writes what is held (before an error event ends the stream). */
    flush(): void {
      if (held.length && !res.destroyed) res.write(take());
    },
    end(last: string): void {
      if (last) held.push(typeof held[0] === "object" ? Buffer.from(last) : last);
      res.end(held.length ? take() : "");
    },
  };
}

/** Resolves when the client can take more; a client that went away never drains, so that rejects (499). */
export function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = () => {
      res.off("drain", settle).off("close", settle);
      if (res.destroyed && !res.writableFinished) reject(new GatewayError(499, "APIConnectionError", "client closed the request"));
      else resolve();
    };
    if (res.destroyed) return settle();
    res.once("drain", settle).once("close", settle);
  });
}
