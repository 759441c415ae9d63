// OpenAI and every OpenAI-compatible server (vLLM, LM Studio, the families in compatible.ts …): same wire
// format, so requests change only their model name and answers pass through as bytes.
import { upstreamError } from "../../errors.ts";
import { withDropList } from "../shared/params.ts";
import type { Endpoint, Provider, StreamTranslator, UpstreamTarget } from "../types.ts";

const DEFAULT_BASE = "https://api.openai.com/v1";
export const OPENAI_PATHS: Record<Endpoint, string> = { chat: "/chat/completions", completion: "/completions", embedding: "/embeddings", rerank: "/rerank" };

/** An OpenAI-format provider under these prefixes; `unsupported`: the OpenAI fields it refuses. */
export function openaiFamily(prefixes: string[], unsupported?: string[], rerank = false): Provider {
  return {
    prefixes,
    endpoints: rerank ? ["chat", "completion", "embedding", "rerank"] : ["chat", "completion", "embedding"],
    passthrough: true,
    ...(unsupported?.length ? { unsupportedParams: unsupported } : {}),

    buildRequest(endpoint, body, target, stream) {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (target.params.api_key) headers.authorization = `Bearer ${target.params.api_key}`;
      if (target.params.organization) headers["openai-organization"] = target.params.organization;
      Object.assign(headers, target.params.extra_headers);
      const upstreamBody: Record<string, unknown> = { ...withDropList(body, target), model: target.model };
      if (stream) upstreamBody.stream = true;
      return { url: baseUrl(target) + OPENAI_PATHS[endpoint], method: "POST", headers, body: JSON.stringify(upstreamBody) };
    },

    parseResponse: (_endpoint, upstream) => upstream as Record<string, unknown>,

    streamTranslator(): StreamTranslator {
      return { push: () => [], end: () => [] };
    },

    mapError: (status, body, headers) => upstreamError(status, body, headers["retry-after"]),
  };
}

export const openai: Provider = {
  ...openaiFamily(["openai", "vllm", "openai_compatible", "lm_studio", "text-completion-openai"]),
  // LiteLLM's variables for a deployment that sets neither key nor base URL.
  configure: (params, env) => ({
    ...params,
    api_key: params.api_key ?? env.OPENAI_API_KEY,
    api_base: params.api_base ?? env.OPENAI_API_BASE ?? env.OPENAI_BASE_URL,
  }),

  native: {
    // The Responses API itself: the client's body with the deployment's model and key. Only `openai/`
    // (OpenAI, or a server that implements /v1/responses); vllm/, openai_compatible/ … are bridged.
    responses: {
      prefixes: ["openai"],
      buildRequest(body, target, stream) {
        const request = openai.buildRequest("chat", body, target, stream);
        return { ...request, url: baseUrl(target) + "/responses" };
      },
    },
  },
};

const baseUrl = (t: UpstreamTarget) => (t.params.api_base ?? DEFAULT_BASE).replace(/\/+$/, "");
