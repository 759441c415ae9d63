// Voyage AI (`voyage/<model>`): embeddings (OpenAI's shape, Voyage's own fields passed through) and rerank.
import type { Provider } from "../types.ts";
import { providerError } from "../shared/errors.ts";
import { embeddingList, inputsOf } from "../shared/openai-shapes.ts";
import { documentTexts, rerankAnswer, type RerankResult } from "../shared/rerank.ts";

const DEFAULT_BASE = "https://api.voyageai.com";

export const voyage: Provider = {
  prefixes: ["voyage"],
  endpoints: ["embedding", "rerank"],
  configure: (params, env) => ({ ...params, api_key: params.api_key ?? env.VOYAGE_API_KEY, api_base: params.api_base ?? env.VOYAGE_API_BASE }),

  buildRequest(endpoint, body, target) {
    if (endpoint === "rerank") {
      const request = { model: target.model, query: body.query, documents: documentTexts(body), ...(body.top_n ? { top_k: body.top_n } : {}) };
      return {
        url: `${(target.params.api_base ?? DEFAULT_BASE).replace(/\/+$/, "")}/v1/rerank`, method: "POST", body: JSON.stringify(request),
        headers: { "content-type": "application/json", ...(target.params.api_key ? { authorization: `Bearer ${target.params.api_key}` } : {}) },
      };
    }
    const request = { input: inputsOf(body), model: target.model, ...(body.input_type ? { input_type: body.input_type } : {}), ...(body.dimensions ? { output_dimension: body.dimensions } : {}) };
    return {
      url: `${(target.params.api_base ?? DEFAULT_BASE).replace(/\/+$/, "")}/v1/embeddings`, method: "POST", body: JSON.stringify(request),
      headers: { "content-type": "application/json", ...(target.params.api_key ? { authorization: `Bearer ${target.params.api_key}` } : {}) },
    };
  },

  parseResponse(endpoint, upstream, _target, body) {
    if (endpoint === "rerank") {
      const r = upstream as { data?: RerankResult[]; usage?: { total_tokens?: number } };
      return rerankAnswer(r.data ?? [], body, r.usage?.total_tokens ?? 0);
    }
    const r = upstream as { data?: { embedding: number[]; index: number }[]; usage?: { total_tokens?: number } };
    const vectors = [...(r.data ?? [])].sort((a, b) => a.index - b.index).map((d) => d.embedding);
    return embeddingList(String(body.model), vectors, r.usage?.total_tokens ?? 0, body);
  },

  streamTranslator: () => ({ push: () => [], end: () => [] }),
  mapError: (status, body, headers) => providerError(status, body, headers),
};
