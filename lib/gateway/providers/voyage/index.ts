// Voyage AI embeddings (`voyage/<model>`): OpenAI's embeddings shape with Voyage's own fields passed through.
import type { Provider } from "../types.ts";
import { providerError } from "../shared/errors.ts";
import { embeddingList, inputsOf } from "../shared/openai-shapes.ts";

const DEFAULT_BASE = "https://api.voyageai.com";

export const voyage: Provider = {
  prefixes: ["voyage"],
  endpoints: ["embedding"],
  configure: (params, env) => ({ ...params, api_key: params.api_key ?? env.VOYAGE_API_KEY, api_base: params.api_base ?? env.VOYAGE_API_BASE }),

  buildRequest(_endpoint, body, target) {
    const request = { input: inputsOf(body), model: target.model, ...(body.input_type ? { input_type: body.input_type } : {}), ...(body.dimensions ? { output_dimension: body.dimensions } : {}) };
    return {
      url: `${(target.params.api_base ?? DEFAULT_BASE).replace(/\/+$/, "")}/v1/embeddings`, method: "POST", body: JSON.stringify(request),
      headers: { "content-type": "application/json", ...(target.params.api_key ? { authorization: `Bearer ${target.params.api_key}` } : {}) },
    };
  },

  parseResponse(_endpoint, upstream, _target, body) {
    const r = upstream as { data?: { embedding: number[]; index: number }[]; usage?: { total_tokens?: number } };
    const vectors = [...(r.data ?? [])].sort((a, b) => a.index - b.index).map((d) => d.embedding);
    return embeddingList(String(body.model), vectors, r.usage?.total_tokens ?? 0, body);
  },

  streamTranslator: () => ({ push: () => [], end: () => [] }),
  mapError: (status, body, headers) => providerError(status, body, headers),
};
