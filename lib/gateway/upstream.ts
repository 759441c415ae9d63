// Calls to providers over keep-alive connection pools, one per origin, reused across requests. Answers come
// through undici's dispatch handler straight into a small chunk queue: no Readable stream per call (its
// construction, events and async iterator cost more than the rest of a short relayed answer's JavaScript).
import type { EventEmitter } from "node:events";
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
  /** The marks of the gateways the client's request came through (its VIA_HEADER), to pass on with this one's. */
  via?: string | string[];
}

/** A provider's answer: its status and headers, then its body, read once (whole, or chunk by chunk). */
export interface UpstreamResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: UpstreamBody;
}

export interface UpstreamBody extends AsyncIterable<Buffer> {
  text(): Promise<string>;
  bytes(): Promise<Buffer>;
  /** The next read is already here (a chunk, or the end): a reader may hold its output for it. */
  ready(): boolean;
}

/**
 * The header every provider call carries with the marks of the gateways it came through, this one's last
 * (GATEKIT_VIA, shared by its workers): a request that comes back with this gateway's mark is a loop — an
 * api_base that points back at it (an ANTHROPIC_BASE_URL or OPENAI_BASE_URL exported for a coding agent in the
 * shell that started it), or at a load balancer in front of its own fleet, or at a gateway that points back.
 */
export const VIA_HEADER = "x-gatekit-via";

/** Whether a request's VIA_HEADER holds `mark`. */
export const cameThrough = (header: string | string[] | undefined, mark: string): boolean =>
  header !== undefined && String(header).split(",").some((m) => m.trim() === mark);

export class Upstreams {
  private readonly pools = new Map<string, Pool>();
  private readonly targets = new Map<string, { origin: string; path: string }>();

  /** `mark`: this gateway's, the last one each call carries in VIA_HEADER. */
  constructor(private readonly mark: string) {}

  call(req: UpstreamRequest, opts: CallOptions): Promise<UpstreamResponse> {
    if (req.authorize) return this.authorized(req, opts);
    const { origin, path } = this.target(req.url);
    const call = new UpstreamCall(opts.signal);
    req.headers[VIA_HEADER] = opts.via ? `${opts.via}, ${this.mark}` : this.mark; // a request's headers are its own: built per call
    this.pool(origin).dispatch(
      { origin, path, method: req.method as Dispatcher.HttpMethod, headers: req.headers, body: req.body, headersTimeout: opts.headersTimeoutMs, bodyTimeout: opts.bodyTimeoutMs },
      call,
    );
    const answered = call.answered.catch((e: Error) => {
      throw connectionError(e, origin);
    });
    return req.decodeStream ? answered.then((up) => decoded(up, req.decodeStream!)) : answered;
  }

  /** A request whose headers need async work first (a SigV4 signature, an OAuth token). */
  private async authorized(req: UpstreamRequest, opts: CallOptions): Promise<UpstreamResponse> {
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

/** Body bytes held before the upstream socket is paused, when the client reads slower than the provider writes. */
const HIGH_WATER = 64 * 1024;

/**
 * One call's dispatch handler, and its body's chunks: they queue here until read, the socket pauses past
 * HIGH_WATER, and a reader that stops early (the client gone) aborts the call.
 */
class UpstreamCall implements Dispatcher.DispatchHandler, AsyncIterable<Buffer> {
  readonly answered: Promise<UpstreamResponse>;
  private answer!: (r: UpstreamResponse) => void;
  private refuse!: (e: Error) => void;
  private controller?: Dispatcher.DispatchController;
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private ended = false;
  private failure?: Error;
  /** A reader waiting for the next chunk. */
  private wake?: () => void;
  private unlisten?: () => void;

  constructor(private readonly signal: AbortSignal | EventEmitter) {
    this.answered = new Promise((resolve, reject) => ((this.answer = resolve), (this.refuse = reject)));
  }

  private readonly cancel = () => this.controller?.abort(new errors.RequestAbortedError());

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    const signal = this.signal;
    if (!("addEventListener" in signal)) {
      signal.once("abort", this.cancel);
      this.unlisten = () => signal.off("abort", this.cancel);
    } else if (signal.aborted) this.cancel();
    else {
      signal.addEventListener("abort", this.cancel, { once: true });
      this.unlisten = () => signal.removeEventListener("abort", this.cancel);
    }
  }

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    if (statusCode >= 200) this.answer({ statusCode, headers, body: bodyOf(this, () => this.queue.length > 0 || this.ended) });
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.queue.push(chunk);
    this.queued += chunk.length;
    if (this.queued > HIGH_WATER) controller.pause();
    this.wakeReader();
  }

  onResponseEnd(): void {
    this.ended = true;
    this.finish();
  }

  onResponseError(_c: Dispatcher.DispatchController, error: Error): void {
    this.failure = error;
    this.refuse(error); // before the headers: the call fails; after them, the body does
    this.finish();
  }

  private finish(): void {
    this.unlisten?.();
    this.wakeReader();
  }

  private wakeReader(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    try {
      for (;;) {
        if (this.queue.length) {
          const chunk = this.queue.shift()!;
          this.queued -= chunk.length;
          if (this.controller?.paused && this.queued <= HIGH_WATER / 2) this.controller.resume();
          yield chunk;
        } else if (this.failure) throw this.failure;
        else if (this.ended) return;
        else await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      if (!this.ended && !this.failure) this.cancel(); // the reader stopped early
    }
  }
}

/** Any chunk source as a body (a whole answer is usually one chunk: then it is not copied). */
function bodyOf(chunks: AsyncIterable<Buffer>, ready = () => false): UpstreamBody {
  const bytes = async () => {
    const all: Buffer[] = [];
    for await (const chunk of chunks) all.push(chunk);
    return all.length === 1 ? all[0]! : Buffer.concat(all);
  };
  return { [Symbol.asyncIterator]: () => chunks[Symbol.asyncIterator](), bytes, text: async () => (await bytes()).toString(), ready };
}

/** A successful answer's body through the provider's stream decoder; an error's body stays as it came. */
function decoded(up: UpstreamResponse, decode: NonNullable<UpstreamRequest["decodeStream"]>): UpstreamResponse {
  if (up.statusCode >= 400) return up;
  return { ...up, body: bodyOf(decode(up.body)) };
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
