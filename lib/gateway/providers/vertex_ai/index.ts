// Vertex AI (`vertex_ai/<model>`): Gemini models (generateContent, streamed as SSE, text embeddings via predict)
// and Anthropic's Claude models (rawPredict / streamRawPredict, Messages API bodies) on Google Cloud, with an
// OAuth token minted from the service-account key (`vertex_credentials` or GOOGLE_APPLICATION_CREDENTIALS).
import type { LitellmParams } from "../../config/schema.ts";
import { anthropic } from "../anthropic/index.ts";
import { gemini } from "../gemini/index.ts";
import { embeddingList, inputsOf } from "../shared/openai-shapes.ts";
import type { Endpoint, Provider, UpstreamTarget } from "../types.ts";
import { serviceAccount, TokenSource, type ServiceAccount } from "./token.ts";

export const tokens = new TokenSource();
const accounts = new Map<string, ServiceAccount>();

const isClaude = (model: string) => /^claude/i.test(model);

function account(p: LitellmParams): ServiceAccount {
  const key = typeof p.vertex_credentials === "string" ? p.vertex_credentials : JSON.stringify(p.vertex_credentials ?? null);
  let sa = accounts.get(key);
  if (!sa) accounts.set(key, (sa = serviceAccount(p.vertex_credentials)));
  return sa;
}

function modelUrl(t: UpstreamTarget, sa: ServiceAccount, method: string): string {
  const location = t.params.vertex_location ?? "us-central1";
  const project = t.params.vertex_project ?? sa.project_id;
  const host = location === "global" ? "https://aiplatform.googleapis.com" : `https://${location}-aiplatform.googleapis.com`;
  const publisher = isClaude(t.model) ? "anthropic" : "google";
  return `${(t.params.api_base ?? host).replace(/\/+$/, "")}/v1/projects/${project}/locations/${location}/publishers/${publisher}/models/${t.model}:${method}`;
}

function method(endpoint: Endpoint, model: string, stream: boolean): string {
  if (endpoint === "embedding") return "predict";
  if (isClaude(model)) return stream ? "streamRawPredict" : "rawPredict";
  return stream ? "streamGenerateContent?alt=sse" : "generateContent";
}

/** The body Gemini or Anthropic take, as their own modules build it, in Vertex's form. */
function vertexBody(endpoint: Endpoint, body: Record<string, unknown>, t: UpstreamTarget, stream: boolean): string {
  if (endpoint === "embedding") return JSON.stringify({ instances: inputsOf(body).map((content) => ({ content })) });
  const bare = { ...t, params: { ...t.params, api_key: undefined } };
  const built = JSON.parse((isClaude(t.model) ? anthropic : gemini).buildRequest(endpoint, body, bare, stream).body) as Record<string, unknown>;
  if (!isClaude(t.model)) return JSON.stringify(built);
  delete built.model;
  return JSON.stringify({ anthropic_version: "vertex-2023-10-16", ...built });
}

export const vertexAi: Provider = {
  prefixes: ["vertex_ai", "vertex_ai_beta"],
  endpoints: ["chat", "embedding"],
  unsupportedParams: ["logit_bias", "logprobs", "top_logprobs", "n", "presence_penalty", "frequency_penalty", "seed"],

  configure: (params, env) => ({
    ...params,
    vertex_credentials: params.vertex_credentials ?? env.GOOGLE_APPLICATION_CREDENTIALS,
    vertex_project: params.vertex_project ?? env.VERTEXAI_PROJECT ?? env.VERTEX_PROJECT ?? env.GOOGLE_CLOUD_PROJECT,
    vertex_location: params.vertex_location ?? env.VERTEXAI_LOCATION ?? env.VERTEX_LOCATION,
  }),

  buildRequest(endpoint, body, target, stream) {
    const sa = account(target.params);
    return {
      url: modelUrl(target, sa, method(endpoint, target.model, stream)), method: "POST",
      headers: { "content-type": "application/json" }, body: vertexBody(endpoint, body, target, stream),
      authorize: async () => ({ authorization: `Bearer ${await tokens.token(sa)}` }),
    };
  },

  parseResponse(endpoint, upstream, target, body) {
    if (endpoint === "embedding") {
      const r = upstream as { predictions?: { embeddings?: { values: number[]; statistics?: { token_count?: number } } }[] };
      const predictions = r.predictions ?? [];
      const tokens = predictions.reduce((n, p) => n + (p.embeddings?.statistics?.token_count ?? 0), 0);
      return embeddingList(String(body.model), predictions.map((p) => p.embeddings?.values ?? []), tokens, body);
    }
    return (isClaude(target.model) ? anthropic : gemini).parseResponse(endpoint, upstream, target, body);
  },

  streamTranslator: (target, body) => (isClaude(target.model) ? anthropic : gemini).streamTranslator(target, body),
  mapError: (status, body, headers) => gemini.mapError(status, body, headers),
};
