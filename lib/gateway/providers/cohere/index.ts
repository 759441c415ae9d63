// Cohere (`cohere/<model>`, `cohere_chat/<model>`): chat v2 (whole and streamed, tools), embed v2, rerank v2.
import type { Provider, StreamTranslator } from "../types.ts";
import { documentTexts, rerankAnswer, type RerankResult } from "../shared/rerank.ts";
import { providerError } from "../shared/errors.ts";
import { chatCompletion, chunker, embeddingList, inputsOf, lineSplitter, messagesOf, parseJson, textOf, toolsOf, usage, type Body, type ToolCall } from "../shared/openai-shapes.ts";

const DEFAULT_BASE = "https://api.cohere.com";
const FINISH: Record<string, string> = { COMPLETE: "stop", STOP_SEQUENCE: "stop", MAX_TOKENS: "length", TOOL_CALL: "tool_calls", ERROR: "stop" };

type CohereUsage = { tokens?: { input_tokens?: number; output_tokens?: number }; billed_units?: { input_tokens?: number; output_tokens?: number } };
const usageOf = (u?: CohereUsage) => usage(u?.tokens?.input_tokens ?? u?.billed_units?.input_tokens ?? 0, u?.tokens?.output_tokens ?? u?.billed_units?.output_tokens ?? 0);

function chatBody(body: Body, model: string, stream: boolean): Body {
  const messages = messagesOf(body).map((m) => {
    if (m.role === "tool") return { role: "tool", tool_call_id: m.tool_call_id, content: textOf(m.content) };
    if (m.role === "assistant" && m.tool_calls?.length) return { role: "assistant", tool_calls: m.tool_calls, ...(textOf(m.content) ? { content: textOf(m.content) } : {}) };
    return { role: m.role, content: textOf(m.content) };
  });
  const stop = body.stop === undefined ? undefined : Array.isArray(body.stop) ? body.stop : [body.stop];
  const tools = toolsOf(body).map((f) => ({ type: "function", function: f }));
  const out: Body = {
    model, messages, temperature: body.temperature, p: body.top_p, max_tokens: body.max_tokens ?? body.max_completion_tokens,
    stop_sequences: stop, seed: body.seed, frequency_penalty: body.frequency_penalty, presence_penalty: body.presence_penalty,
    ...(tools.length ? { tools } : {}), ...(stream ? { stream: true } : {}),
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
}

export const cohere: Provider = {
  prefixes: ["cohere", "cohere_chat"],
  endpoints: ["chat", "embedding", "rerank"],
  unsupportedParams: ["logit_bias", "logprobs", "top_logprobs", "n"],
  configure: (params, env) => ({ ...params, api_key: params.api_key ?? env.COHERE_API_KEY ?? env.CO_API_KEY, api_base: params.api_base ?? env.COHERE_API_BASE }),

  buildRequest(endpoint, body, target, stream) {
    const base = (target.params.api_base ?? DEFAULT_BASE).replace(/\/+$/, "");
    const headers = { "content-type": "application/json", accept: "application/json", ...(target.params.api_key ? { authorization: `Bearer ${target.params.api_key}` } : {}) };
    if (endpoint === "rerank") {
      const request = { model: target.model, query: body.query, documents: documentTexts(body), ...(body.top_n ? { top_n: body.top_n } : {}), ...(body.max_tokens_per_doc ? { max_tokens_per_doc: body.max_tokens_per_doc } : {}) };
      return { url: `${base}/v2/rerank`, method: "POST", headers, body: JSON.stringify(request) };
    }
    if (endpoint === "embedding") {
      const request = { model: target.model, texts: inputsOf(body), input_type: body.input_type ?? "search_document", embedding_types: ["float"], ...(body.dimensions ? { output_dimension: body.dimensions } : {}) };
      return { url: `${base}/v2/embed`, method: "POST", headers, body: JSON.stringify(request) };
    }
    return { url: `${base}/v2/chat`, method: "POST", headers, body: JSON.stringify(chatBody(body, target.model, stream)) };
  },

  parseResponse(endpoint, upstream, _target, body) {
    if (endpoint === "rerank") {
      const r = upstream as { id?: string; results?: RerankResult[]; meta?: { billed_units?: { search_units?: number } } };
      return rerankAnswer(r.results ?? [], body, 0, r.id);
    }
    if (endpoint === "embedding") {
      const r = upstream as { embeddings?: { float?: number[][] }; meta?: { billed_units?: { input_tokens?: number } } };
      return embeddingList(String(body.model), r.embeddings?.float ?? [], r.meta?.billed_units?.input_tokens ?? 0, body);
    }
    const r = upstream as { finish_reason?: string; message?: { content?: { type: string; text?: string }[]; tool_calls?: ToolCall[] }; usage?: CohereUsage };
    const text = (r.message?.content ?? []).filter((c) => c.type === "text").map((c) => c.text ?? "").join("");
    const calls = (r.message?.tool_calls ?? []).map((c) => ({ id: c.id, type: "function" as const, function: { name: c.function.name, arguments: c.function.arguments ?? "{}" } }));
    return chatCompletion(String(body.model), text || (calls.length ? null : ""), FINISH[r.finish_reason ?? ""] ?? "stop", usageOf(r.usage), calls);
  },

  streamTranslator(_target, body): StreamTranslator {
    const lines = lineSplitter();
    const c = chunker(String(body.model));
    let tool = -1;
    type Delta = { message?: { content?: { text?: string }; tool_calls?: { id?: string; function?: { name?: string; arguments?: string } } }; finish_reason?: string; usage?: CohereUsage };
    const handle = (line: string): object[] => {
      if (!line.startsWith("data:")) return [];
      const e = parseJson(line.slice(5).trim()) as { type?: string; delta?: Delta } | undefined;
      const d = e?.delta;
      switch (e?.type) {
        case "message-start": return [c.delta({ role: "assistant", content: "" })];
        case "content-delta": return [c.delta({ content: d?.message?.content?.text ?? "" })];
        case "tool-call-start": {
          const call = d?.message?.tool_calls;
          tool++;
          return [c.delta({ tool_calls: [{ index: tool, id: call?.id, type: "function", function: { name: call?.function?.name, arguments: call?.function?.arguments ?? "" } }] })];
        }
        case "tool-call-delta": return [c.delta({ tool_calls: [{ index: tool, function: { arguments: d?.message?.tool_calls?.function?.arguments ?? "" } }] })];
        case "message-end": return [c.delta({}, FINISH[d?.finish_reason ?? ""] ?? "stop"), c.usage(usageOf(d?.usage))];
        default: return [];
      }
    };
    return { push: (text) => lines.push(text).flatMap(handle), end: () => lines.end().flatMap(handle) };
  },

  mapError: (status, body, headers) => providerError(status, body, headers),
};
