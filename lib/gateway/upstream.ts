// Calls to providers over keep-alive connection pools, one per origin, reused across requests.
import type { EventEmitter } from "node:events";
import { Readable } from "node:stream";
import { Pool, errors, type Dispatcher } from "undici";
import { GatewayError } from "./errors.ts";
import type { UpstreamRequest } from "./providers/types.ts";

export interface CallOptions {
  /** Time to the response headers (first byte of a stream). */
  headersTimeoutMs: number;
  /** Longest pause between body chunks. */
  bodyTimeoutMs: number;
  /** Cancels the call: an AbortSignal, or an EventEmitter that emits "abort". */
  signal: AbortSignal | EventEmitter;
}

export class Upstreams {
  private readonly pools = new Map<string, Pool>();
  private readonly targets = new Map<string, { origin: string; path: string }>();

  call(req: UpstreamRequest, opts: CallOptions): Promise<Dispatcher.ResponseData> {
    if (req.authorize) return this.authorized(req, opts);
    const { origin, path } = this.target(req.url);
    const sent = this.pool(origin)
      .request({
        path, method: req.method, headers: req.headers, body: req.body,
        headersTimeout: opts.headersTimeoutMs, bodyTimeout: opts.bodyTimeoutMs, signal: opts.signal,
      })
      .catch((e: Error) => {
        throw connectionError(e, origin);
      });
    return req.decodeStream ? sent.then((up) => decoded(up, req.decodeStream!)) : sent;
  }

  /** A request whose headers need async work first (a SigV4 signature, an OAuth token). */
  private async authorized(req: UpstreamRequest, opts: CallOptions): Promise<Dispatcher.ResponseData> {
    const headers = await req.authorize!();
    return this.call({ ...req, headers: { ...req.headers, ...headers }, authorize: undefined }, opts);
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close()));
  }

  private pool(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (!pool) this.pools.set(origin, (pool = new Pool(origin, { connections: 512, keepAliveTimeout: 30_000, pipelining: 1 })));
    return pool;
  }

  private target(url: string) {
    let t = this.targets.get(url);
    if (!t) {
      const u = new URL(url);
      this.targets.set(url, (t = { origin: u.origin, path: u.pathname + u.search }));
    }
    return t;
  }
}

/** A successful answer's body through the provider's stream decoder; an error's body stays as it came. */
function decoded(up: Dispatcher.ResponseData, decode: NonNullable<UpstreamRequest["decodeStream"]>): Dispatcher.ResponseData {
  if (up.statusCode >= 400) return up;
  return { ...up, body: Readable.from(decode(up.body)) as unknown as Dispatcher.ResponseData["body"] };
}

/** Network failures as LiteLLM reports them: timeouts 408, connection failures 500 (APIConnectionError). */
export function connectionError(e: Error, origin: string): GatewayError {
  if (e instanceof GatewayError) return e;
  if (e instanceof errors.HeadersTimeoutError || e instanceof errors.BodyTimeoutError || e instanceof errors.ConnectTimeoutError) {
    return new GatewayError(408, "Timeout", `Request timed out talking to ${origin}`);
  }
  if (e.name === "AbortError" || e instanceof errors.RequestAbortedError) return new GatewayError(499, "APIConnectionError", "client closed the request");
  const code = (e as NodeJS.ErrnoException).code ?? e.name;
  return new GatewayError(500, "APIConnectionError", `Could not reach ${origin} (${code})`);
}
