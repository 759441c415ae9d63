// OpenAI and every OpenAI-compatible server (vLLM, Ollama's /v1, LM Studio …): same wire format, so requests
// change only their model name and answers pass through as bytes.
import { upstreamError } from "../../errors.ts";
import type { Endpoint, Provider, StreamTranslator, UpstreamTarget } from "../types.ts";

const DEFAULT_BASE = "https://api.openai.com/v1";
const PATHS: Record<Endpoint, string> = { chat: "/chat/completions", completion: "/completions", embedding: "/embeddings" };

export const openai: Provider = {
  prefixes: ["openai", "hosted_vllm", "vllm", "openai_compatible", "lm_studio", "text-completion-openai"],
  endpoints: ["chat", "completion", "embedding"],
  passthrough: true,

  buildRequest(endpoint, body, target, stream) {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (target.params.api_key) headers.authorization = `Bearer ${target.params.api_key}`;
    if (target.params.organization) headers["openai-organization"] = target.params.organization;
    Object.assign(headers, target.params.extra_headers);
    const upstreamBody: Record<string, unknown> = { ...body, model: target.model };
    if (stream) upstreamBody.stream = true;
    return { url: baseUrl(target) + PATHS[endpoint], method: "POST", headers, body: JSON.stringify(upstreamBody) };
  },

  parseResponse: (_endpoint, upstream) => upstream as Record<string, unknown>,

  streamTranslator(): StreamTranslator {
    return { push: () => [], end: () => [] };
  },

  mapError: (status, body, headers) => upstreamError(status, body, headers["retry-after"]),

  native: {
    // The Responses API itself: the client's body with the deployment's model and key. Only `openai/`
    // (OpenAI, or a server that implements /v1/responses); hosted_vllm/, openai_compatible/ … are bridged.
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
