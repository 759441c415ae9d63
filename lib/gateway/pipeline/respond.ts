// Writing the answer: LiteLLM's headers on every response, JSON bodies, SSE heads, errors in the surface's
// own shape, and back-pressure from a slow client.
import type { ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import { GatewayError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { costOf } from "../state/spend.ts";
import type { Call } from "./context.ts";

const JSON_TYPE = "application/json";
const SSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache", "x-accel-buffering": "no" };

export function callHeaders(call: Call): Record<string, string> {
  const overhead = performance.now() - call.started - (call.llmMs ?? 0);
  const headers: Record<string, string> = { "x-litellm-model-id": call.deployment?.id ?? "", "x-litellm-overhead-duration-ms": overhead.toFixed(3) };
  if (call.inputTokens !== undefined || call.outputTokens !== undefined) headers["x-litellm-response-cost"] = String(costOf(call.deployment, call.inputTokens, call.outputTokens));
  return headers;
}

export function send(call: Call, status: number, body: string | Buffer, type = JSON_TYPE): void {
  if (call.res.headersSent) return void call.res.end();
  call.res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body), ...callHeaders(call) });
  call.res.end(body);
}

export function startStream(call: Call): void {
  call.res.writeHead(200, { ...SSE_HEADERS, ...callHeaders(call) });
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
  const whole = !call.midEvent && res.getHeader("content-type") === SSE_HEADERS["content-type"];
  if (!whole || !surface || !parsed || res.destroyed || res.writableEnded || error.status === 499) return void res.destroy();
  res.end(surface.streamError(error, parsed));
}

/**
 * One piece of a stream, with back-pressure. The socket stays corked until the loop's check phase, so the pieces
 * and the end that arrive in one turn (a short answer is often one upstream read) leave in one write: end()
 * flushes all, where an end in a later tick than the last piece cost a write of its own. Returns a promise to
 * wait for when the client's buffer is full.
 */
export function writePiece(call: Call, piece: string | Buffer): Promise<void> | undefined {
  const { res } = call;
  if (!call.corked) {
    call.corked = true;
    res.cork();
    setImmediate(() => {
      call.corked = false;
      if (!res.writableEnded) res.uncork();
    });
  }
  return res.write(piece) ? undefined : drained(res);
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
