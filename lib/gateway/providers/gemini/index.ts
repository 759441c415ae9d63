// Google AI Studio (`gemini/<model>`): generateContent, streamGenerateContent (SSE), embedContent /
// batchEmbedContents; system instructions, function calls, finish reasons, usage, errors.
import type { Provider, StreamTranslator } from "../types.ts";
import { providerError } from "../shared/errors.ts";
import { chatCompletion, chunker, embeddingList, inputsOf, lineSplitter, messagesOf, parseJson, streamPiece, textOf, toolCallId, toolsOf, usage, type Body, type Message, type ToolCall } from "../shared/openai-shapes.ts";

const DEFAULT_BASE = "https://generativelanguage.googleapis.com";
const FINISH: Record<string, string> = { STOP: "stop", MAX_TOKENS: "length", SAFETY: "content_filter", RECITATION: "content_filter", PROHIBITED_CONTENT: "content_filter", BLOCKLIST: "content_filter" };

type Part = { text?: string; functionCall?: { name: string; args?: unknown }; functionResponse?: { name: string; response: unknown } };
type Candidate = { content?: { parts?: Part[] }; finishReason?: string };
type GeminiAnswer = { candidates?: Candidate[]; usageMetadata?: { promptTokenCount?: number; candidatesTokenCount?: number } };

function contents(messages: Message[]) {
  const names = new Map<string, string>();
  return messages.filter((m) => m.role !== "system").map((m) => {
    if (m.role === "assistant") {
      const parts: Part[] = textOf(m.content) ? [{ text: textOf(m.content) }] : [];
      for (const c of m.tool_calls ?? []) {
        names.set(c.id, c.function.name);
        parts.push({ functionCall: { name: c.function.name, args: parseJson(c.function.arguments) ?? {} } });
      }
      return { role: "model", parts };
    }
    if (m.role === "tool") {
      const name = names.get(m.tool_call_id ?? "") ?? m.name ?? "tool";
      return { role: "user", parts: [{ functionResponse: { name, response: { content: textOf(m.content) } } }] };
    }
    return { role: "user", parts: [{ text: textOf(m.content) }] };
  });
}

function generationConfig(body: Body) {
  const stop = body.stop === undefined ? undefined : Array.isArray(body.stop) ? body.stop : [body.stop];
  const cfg: Body = { temperature: body.temperature, topP: body.top_p, maxOutputTokens: body.max_tokens ?? body.max_completion_tokens, stopSequences: stop };
  return Object.fromEntries(Object.entries(cfg).filter(([, v]) => v !== undefined));
}

function fromParts(parts: Part[] = []): { text: string; calls: ToolCall[] } {
  const text = parts.map((p) => p.text ?? "").join("");
  const calls = parts.filter((p) => p.functionCall).map((p) => ({ id: toolCallId(), type: "function" as const, function: { name: p.functionCall!.name, arguments: JSON.stringify(p.functionCall!.args ?? {}) } }));
  return { text, calls };
}

export const gemini: Provider = {
  prefixes: ["gemini"],
  endpoints: ["chat", "embedding"],
  configure: (params, env) => ({ ...params, api_key: params.api_key ?? env.GEMINI_API_KEY ?? env.GOOGLE_API_KEY, api_base: params.api_base ?? env.GEMINI_API_BASE }),
  unsupportedParams: ["logit_bias", "logprobs", "top_logprobs", "n", "presence_penalty", "frequency_penalty", "seed"],

  buildRequest(endpoint, body, target, stream) {
    const base = `${(target.params.api_base ?? DEFAULT_BASE).replace(/\/+$/, "")}/v1beta/models/${target.model}`;
    const headers: Record<string, string> = { "content-type": "application/json", ...(target.params.api_key ? { "x-goog-api-key": target.params.api_key } : {}) };
    if (endpoint === "embedding") {
      const inputs = inputsOf(body);
      const content = (text: string) => ({ parts: [{ text }] });
      return inputs.length === 1
        ? { url: `${base}:embedContent`, method: "POST", headers, body: JSON.stringify({ content: content(inputs[0]!) }) }
        : { url: `${base}:batchEmbedContents`, method: "POST", headers, body: JSON.stringify({ requests: inputs.map((t) => ({ model: `models/${target.model}`, content: content(t) })) }) };
    }
    const messages = messagesOf(body);
    const system = messages.filter((m) => m.role === "system").map((m) => textOf(m.content)).join("\n");
    const tools = toolsOf(body);
    const request: Body = {
      contents: contents(messages), generationConfig: generationConfig(body),
      ...(system ? { systemInstruction: { parts: [{ text: system }] } } : {}),
      ...(tools.length ? { tools: [{ functionDeclarations: tools.map((t) => ({ name: t.name, description: t.description, parameters: t.parameters })) }] } : {}),
    };
    return { url: `${base}:${stream ? "streamGenerateContent?alt=sse" : "generateContent"}`, method: "POST", headers, body: JSON.stringify(request) };
  },

  parseResponse(endpoint, upstream, _target, body) {
    if (endpoint === "embedding") {
      const r = upstream as { embedding?: { values: number[] }; embeddings?: { values: number[] }[] };
      const vectors = r.embeddings ? r.embeddings.map((e) => e.values) : [r.embedding?.values ?? []];
      return embeddingList(String(body.model), vectors, inputsOf(body).join(" ").length >> 2, body);
    }
    const r = upstream as GeminiAnswer;
    const candidate = r.candidates?.[0];
    const { text, calls } = fromParts(candidate?.content?.parts);
    const finish = calls.length ? "tool_calls" : (FINISH[candidate?.finishReason ?? "STOP"] ?? "stop");
    return chatCompletion(String(body.model), text || (calls.length ? null : ""), finish, usage(r.usageMetadata?.promptTokenCount ?? 0, r.usageMetadata?.candidatesTokenCount ?? 0), calls);
  },

  streamTranslator(_target, body): StreamTranslator {
    const lines = lineSplitter();
    const c = chunker(String(body.model));
    const state = { first: true, tools: 0 };
    const handle = (line: string): object[] => {
      if (!line.startsWith("data:")) return [];
      const r = parseJson(line.slice(5).trim()) as GeminiAnswer | undefined;
      const candidate = r?.candidates?.[0];
      if (!candidate) return [];
      const { text, calls } = fromParts(candidate.content?.parts);
      const out = streamPiece(c, state, text, calls);
      if (candidate.finishReason) {
        out.push(c.delta({}, state.tools ? "tool_calls" : (FINISH[candidate.finishReason] ?? "stop")));
        if (r!.usageMetadata) out.push(c.usage(usage(r!.usageMetadata.promptTokenCount ?? 0, r!.usageMetadata.candidatesTokenCount ?? 0)));
      }
      return out;
    };
    return { push: (text) => lines.push(text).flatMap(handle), end: () => lines.end().flatMap(handle) };
  },

  mapError(status, body, headers) {
    const e = providerError(status, body, headers);
    if (status === 400 && /API key not valid/i.test(e.message)) return { ...e, status: 401, errorClass: "AuthenticationError" };
    if (status === 400 && /exceeds the maximum number of tokens|input token count/i.test(e.message)) return { ...e, errorClass: "ContextWindowExceededError" };
    return e;
  },
};
