// A real, minimal call to one deployment (for /health and /gatekit/probe): how long it took, its tokens, and
// the error class when it fails. Outside the request pipeline: no key, no limits, no retries.
import { performance } from "node:perf_hooks";
import type { ResolvedDeployment } from "../config/load.ts";
import { GatewayError } from "../errors.ts";
import type { ProbeResult } from "../ops.ts";
import { providerFor } from "../providers/index.ts";
import type { Endpoint } from "../providers/types.ts";
import type { Services } from "./context.ts";

const PING: Record<Endpoint, Record<string, unknown>> = {
  embedding: { input: "ping" },
  completion: { prompt: "ping", max_tokens: 1 },
  chat: { messages: [{ role: "user", content: "ping" }], max_tokens: 1 },
};

export async function probe(svc: Services, d: ResolvedDeployment): Promise<ProbeResult> {
  const t0 = performance.now();
  if (d.params.mock_response !== undefined) return { ms: 0, tokens: 0 };
  const provider = providerFor(d.provider);
  if (!provider) return { ms: 0, errorClass: "BadRequestError", error: `provider ${d.provider} not supported` };
  const endpoint: Endpoint = d.mode === "embedding" ? "embedding" : d.mode === "completion" ? "completion" : "chat";
  const limitMs = Math.min(d.timeoutMs, 30_000);
  try {
    const request = provider.buildRequest(endpoint, { model: d.modelName, ...PING[endpoint] }, svc.targetOf(d), false);
    const up = await svc.upstreams.call(request, { headersTimeoutMs: limitMs, bodyTimeoutMs: limitMs, signal: AbortSignal.timeout(30_000) });
    const text = await up.body.text();
    const ms = performance.now() - t0;
    if (up.statusCode >= 400) {
      const error = provider.mapError(up.statusCode, text, up.headers);
      return { ms, errorClass: error.errorClass, error: `${up.statusCode} ${error.message.slice(0, 200)}` };
    }
    return { ms, tokens: tokensOf(text) };
  } catch (e) {
    return { ms: performance.now() - t0, errorClass: e instanceof GatewayError ? e.errorClass : "APIConnectionError", error: (e as Error).message.slice(0, 200) };
  }
}

/** Total tokens in an OpenAI (`total_tokens`), Gemini (`totalTokenCount`) or Anthropic (`input_tokens` + `output_tokens`) answer. */
function tokensOf(text: string): number | undefined {
  const total = /"total_tokens":\s*(\d+)/.exec(text) ?? /"totalTokenCount":\s*(\d+)/.exec(text);
  if (total) return Number(total[1]);
  const input = /"input_tokens":\s*(\d+)/.exec(text);
  const output = /"output_tokens":\s*(\d+)/.exec(text);
  return input || output ? Number(input?.[1] ?? 0) + Number(output?.[1] ?? 0) : undefined;
}
