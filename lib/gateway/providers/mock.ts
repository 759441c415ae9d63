// LiteLLM's `mock_response`: a deployment that answers in-process (dev, tests, `npm start`), no provider.
import { createHash, randomUUID } from "node:crypto";
import { documentTexts, rerankAnswer } from "./shared/rerank.ts";
import type { Endpoint } from "./types.ts";

type Body = Record<string, unknown>;

const words = (text: string) => text.split(/\s+/).filter(Boolean).length;
const promptTokens = (body: Body) => Math.max(1, Math.ceil(JSON.stringify(body.messages ?? body.prompt ?? body.input ?? "").length / 4));

export function mockAnswer(endpoint: Endpoint, text: string, body: Body): Record<string, unknown> {
  const model = String(body.model);
  const created = Math.floor(Date.now() / 1000);
  if (endpoint === "embedding") return mockEmbeddings(model, body.input, body.encoding_format === "base64");
  if (endpoint === "rerank") return rerankAnswer(documentTexts(body).map((_, index, all) => ({ index, relevance_score: 1 - index / all.length })), body, promptTokens(body));
  const usage = { prompt_tokens: promptTokens(body), completion_tokens: words(text), total_tokens: promptTokens(body) + words(text) };
  if (endpoint === "completion") {
    return { id: `cmpl-${randomUUID()}`, object: "text_completion", created, model, choices: [{ index: 0, text, finish_reason: "stop", logprobs: null }], usage };
  }
  return {
    id: `chatcmpl-${randomUUID()}`, object: "chat.completion", created, model,
    choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }], usage,
  };
}

/** The chunks of a streamed mock answer: one per word, then the finish chunk (and usage when asked). */
export function mockChunks(text: string, body: Body): Record<string, unknown>[] {
  const base = { id: `chatcmpl-${randomUUID()}`, object: "chat.completion.chunk", created: Math.floor(Date.now() / 1000), model: String(body.model) };
  const pieces = text.split(/(?<=\s)/);
  const chunks: Record<string, unknown>[] = pieces.map((p, i) => ({
    ...base, choices: [{ index: 0, delta: i === 0 ? { role: "assistant", content: p } : { content: p }, finish_reason: null }],
  }));
  chunks.push({ ...base, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] });
  if ((body.stream_options as { include_usage?: boolean } | undefined)?.include_usage) {
    const usage = { prompt_tokens: promptTokens(body), completion_tokens: words(text), total_tokens: promptTokens(body) + words(text) };
    chunks.push({ ...base, choices: [], usage });
  }
  return chunks;
}

/** Deterministic unit vectors from the input text, so tests can compare them. */
function mockEmbeddings(model: string, input: unknown, base64: boolean): Record<string, unknown> {
  const inputs = Array.isArray(input) ? input : [input];
  const data = inputs.map((text, index) => {
    const bytes = createHash("sha256").update(String(text)).digest();
    const raw = Array.from({ length: 16 }, (_, i) => bytes[i]! / 255 - 0.5);
    const norm = Math.hypot(...raw) || 1;
    const vector = raw.map((v) => v / norm);
    return { object: "embedding", index, embedding: base64 ? Buffer.from(new Float32Array(vector).buffer).toString("base64") : vector };
  });
  const tokens = inputs.reduce<number>((n, t) => n + Math.ceil(String(t).length / 4), 0);
  return { object: "list", data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
}
