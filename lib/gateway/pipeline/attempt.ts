// One attempt at one deployment. Three ways to answer: a mock_response in-process; a native relay when the
// provider speaks the client's API itself (the bytes go through, the surface reads usage on the way); or a
// translation — the surface's internal call through the provider's wire format and back, whole or streamed.
import { EventEmitter } from "node:events";
import { performance } from "node:perf_hooks";
import type { Body, Parsed, Surface } from "../api/surface.ts";
import type { ResolvedDeployment } from "../config/load.ts";
import { GatewayError, badRequest } from "../errors.ts";
import { knownPrefixes, providerFor } from "../providers/index.ts";
import { mockAnswer, mockChunks } from "../providers/mock.ts";
import { chatChunk, lineSplitter } from "../providers/shared/openai-shapes.ts";
import type { Provider, StreamTranslator } from "../providers/types.ts";
import { connectionError, VIA_HEADER, type UpstreamBody } from "../upstream.ts";
import type { Call, Services } from "./context.ts";
import { send, startStream, streamOut } from "./respond.ts";

/** Calls deployment `d` and answers the client; returns a whole answer's text (for the cache), nothing for a stream. */
export async function attempt(svc: Services, call: Call, d: ResolvedDeployment): Promise<string | undefined> {
  const surface = call.surface!;
  const parsed = call.parsed!;
  if (d.params.mock_response !== undefined) return answerMock(call, surface, parsed, d.params.mock_response);
  const provider = providerFor(d.provider);
  const offered = provider && !surface.internalFormat ? provider.native?.[surface.api as keyof NonNullable<Provider["native"]>] : undefined;
  const nativeApi = offered && (!offered.prefixes || offered.prefixes.includes(d.provider)) ? offered : undefined;
  if (!provider || (!nativeApi && !provider.endpoints.includes(surface.endpoint))) {
    throw badRequest(`Provider ${d.provider} is not supported for ${surface.endpoint} by this gateway (supported: ${knownPrefixes().join(", ")})`);
  }
  const relay = nativeApi !== undefined || (surface.internalFormat && provider.passthrough === true);
  const target = svc.targetOf(d);
  const request = nativeApi ? nativeApi.buildRequest(parsed.body, target, parsed.stream, parsed.headers) : provider.buildRequest(surface.endpoint, parsed.internal(), target, parsed.stream);

  // A client gone mid-call cancels it. An EventEmitter is a signal undici takes, cheaper than an AbortController.
  const abort = new EventEmitter();
  call.res.once("close", () => call.res.writableFinished || abort.emit("abort"));
  const t0 = performance.now();
  const timeout = parsed.stream ? d.streamTimeoutMs : d.timeoutMs;
  const up = await svc.upstreams.call(request, { headersTimeoutMs: timeout, bodyTimeoutMs: timeout, signal: abort, via: call.req.headers[VIA_HEADER] });
  if (up.statusCode >= 400) {
    const text = await up.body.text().catch(() => "");
    call.llmMs = performance.now() - t0;
    throw GatewayError.from(provider.mapError(up.statusCode, text, up.headers));
  }
  // Reading the body fails like the call itself: a pause past the timeout is a 408, a client gone a 499.
  const bodyFailed = (e: Error): never => {
    throw connectionError(e, new URL(request.url).origin);
  };
  if (parsed.stream) {
    // An OpenAI-compatible upstream needs no translation, only its chunks parsed, for a surface of another format.
    const translator = relay ? undefined : provider.passthrough ? openaiChunks() : provider.streamTranslator(target, parsed.internal());
    await (translator ? translateStream(call, surface, parsed, translator, up.body, t0) : relayStream(call, surface, parsed, up.body, t0)).catch(bodyFailed);
    return undefined;
  }
  const bytes = await up.body.bytes().catch(bodyFailed);
  call.llmMs = performance.now() - t0;
  if (relay) {
    if (!looksLikeJson(bytes)) throw notJson(d);
    const text = parsed.rewrite ? parsed.rewrite(bytes.toString()) : bytes.toString();
    surface.scanUsage(text, call);
    parsed.answered?.(text);
    send(call, 200, parsed.rewrite ? text : bytes);
    return text;
  }
  const answer = provider.parseResponse(surface.endpoint, parseUpstream(bytes, d), target, parsed.internal());
  readUsage(call, answer.usage);
  const text = JSON.stringify(surface.render(answer, parsed));
  parsed.answered?.(text);
  send(call, 200, text);
  return text;
}

/**
 * The upstream's bytes as they came (whole lines, when the surface rewrites them); usage read from a short tail
 * so that a field split across chunks is still found.
 */
function relayStream(call: Call, surface: Surface, parsed: Parsed, upstream: UpstreamBody, t0: number): Promise<void> {
  const lines = parsed.rewrite && wholeLines(parsed.rewrite);
  let tail = "";
  const piece = (chunk: Buffer) => {
    const part = lines ? lines.push(chunk.toString()) : chunk.toString();
    const text = tail + part;
    surface.scanUsage(text, call);
    parsed.relayed?.(part);
    tail = text.slice(-32);
    call.midEvent = !tail.endsWith("\n\n");
    return lines ? part : chunk;
  };
  return pump(call, upstream, t0, piece, () => (lines?.end() ?? "") + surface.relayEnd(tail));
}

/** Text cut at its last newline, each whole part rewritten (a pattern is never split across chunks). */
function wholeLines(rewrite: (text: string) => string) {
  let carry = "";
  return {
    push(text: string): string {
      const all = carry + text;
      const cut = all.lastIndexOf("\n") + 1;
      carry = all.slice(cut);
      return cut ? rewrite(all.slice(0, cut)) : "";
    },
    end: () => rewrite(carry),
  };
}

/** Provider stream → internal chunks → the surface's stream. */
function translateStream(call: Call, surface: Surface, parsed: Parsed, translator: StreamTranslator, upstream: UpstreamBody, t0: number): Promise<void> {
  const renderer = surface.stream(parsed);
  const lines = byteLines();
  const piece = (chunk: Buffer) => {
    const text = lines.push(chunk);
    const chunks = text ? translator.push(text) : [];
    if (!chunks.length) return "";
    usageOf(call, chunks);
    return renderer.push(chunks);
  };
  const last = () => {
    const rest = lines.end();
    const chunks = rest ? [...translator.push(rest), ...translator.end()] : translator.end();
    usageOf(call, chunks);
    return renderer.end(chunks);
  };
  return pump(call, upstream, t0, piece, last);
}

/**
 * Reads a stream's upstream, each chunk made a piece of the client's stream, and writes them as soon as the
 * gateway has caught up with the provider; the end's piece after the last. The stream's head goes with the
 * first piece.
 */
async function pump(call: Call, upstream: UpstreamBody, t0: number, piece: (chunk: Buffer) => string | Buffer, last: () => string): Promise<void> {
  const out = streamOut(call.res);
  let first = true;
  try {
    for await (const chunk of upstream) {
      if (first) {
        call.llmMs = performance.now() - t0;
        startStream(call);
        first = false;
      }
      const full = out.push(piece(chunk), upstream.ready());
      if (full) await full;
    }
  } catch (e) {
    out.flush(); // what was held for the next read goes before the error that ends the stream
    throw e;
  }
  if (first) startStream(call);
  out.end(last());
}

/**
 * Bytes → text cut after the last newline, the rest kept for the next chunk: every translator reads lines,
 * and a newline byte never falls inside a UTF-8 character, so no decoder (and none of its cost) is needed.
 */
function byteLines() {
  let held: Buffer[] = [];
  return {
    push(chunk: Buffer): string {
      const nl = chunk.lastIndexOf(10);
      if (nl < 0) return held.push(chunk), "";
      const head = held.length ? Buffer.concat([...held, chunk.subarray(0, nl + 1)]).toString() : chunk.toString("utf8", 0, nl + 1);
      held = nl + 1 < chunk.length ? [chunk.subarray(nl + 1)] : [];
      return head;
    },
    end: (): string => (held.length ? Buffer.concat(held).toString() : ""),
  };
}

function answerMock(call: Call, surface: Surface, parsed: Parsed, text: string): string | undefined {
  call.llmMs = 0;
  const internal = parsed.internal();
  if (!parsed.stream) {
    const answer = mockAnswer(surface.endpoint, text, internal);
    readUsage(call, answer.usage);
    const out = JSON.stringify(surface.render(answer, parsed));
    parsed.answered?.(out);
    send(call, 200, out);
    return out;
  }
  const chunks = mockChunks(text, internal);
  const renderer = surface.stream(parsed);
  startStream(call);
  call.res.end(renderer.push(chunks) + renderer.end([]));
  call.outputTokens = chunks.length - 1;
  return undefined;
}

/** OpenAI SSE text → chunk objects, for an OpenAI-compatible upstream behind a surface of another format. */
function openaiChunks(): StreamTranslator {
  const lines = lineSplitter();
  const parse = (all: string[]) => {
    const chunks: object[] = [];
    for (const line of all) {
      if (!line.startsWith("data:")) continue;
      const data = line.slice(line.charCodeAt(5) === 32 ? 6 : 5);
      const chunk = data === "[DONE]" ? undefined : chatChunk(data);
      if (chunk) chunks.push(chunk);
    }
    return chunks;
  };
  return { push: (text) => parse(lines.push(text)), end: () => parse(lines.end()) };
}

function usageOf(call: Call, chunks: object[]): void {
  for (const c of chunks) if ((c as { usage?: unknown }).usage) readUsage(call, (c as { usage: unknown }).usage);
}

function readUsage(call: Call, usage: unknown): void {
  const u = usage as { prompt_tokens?: number; completion_tokens?: number } | undefined;
  call.inputTokens = u?.prompt_tokens;
  call.outputTokens = u?.completion_tokens;
}

/** The first non-blank byte opens a JSON object: cheap proof that a relayed answer is not an error page. */
function looksLikeJson(bytes: Buffer): boolean {
  let i = 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  return bytes[i] === 0x7b;
}

const notJson = (d: ResolvedDeployment) => new GatewayError(502, "InternalServerError", `The provider of ${d.modelName} answered with something that is not JSON`);

function parseUpstream(bytes: Buffer, d: ResolvedDeployment): Body {
  try {
    return JSON.parse(bytes.toString()) as Body;
  } catch {
    throw notJson(d);
  }
}
