// Ollama, local or hosted (`ollama_chat/<model>` → /api/chat, `ollama/<model>` → /api/generate, embeddings →
// /api/embed). Streams are NDJSON. The hosted service takes `Authorization: Bearer <OLLAMA_API_KEY>`.
import type { Provider, StreamTranslator } from "../types.ts";
import { providerError } from "../shared/errors.ts";
import { chatCompletion, chunker, embeddingList, inputsOf, lineSplitter, messagesOf, parseJson, streamPiece, textOf, toolCallId, usage, type Body } from "../shared/openai-shapes.ts";

const DEFAULT_BASE = "http://localhost:11434";
type OllamaCall = { function: { name: string; arguments: unknown } };
type OllamaAnswer = { message?: { content?: string; tool_calls?: OllamaCall[] }; response?: string; done?: boolean; done_reason?: string; prompt_eval_count?: number; eval_count?: number; embeddings?: number[][] };

const finishOf = (r: OllamaAnswer, tools: boolean) => (tools ? "tool_calls" : r.done_reason === "length" ? "length" : "stop");
const toolCalls = (calls: OllamaCall[] = []) => calls.map((c) => ({ id: toolCallId(), type: "function" as const, function: { name: c.function.name, arguments: typeof c.function.arguments === "string" ? c.function.arguments : JSON.stringify(c.function.arguments ?? {}) } }));

function options(body: Body) {
  const o: Body = { temperature: body.temperature, top_p: body.top_p, num_predict: body.max_tokens ?? body.max_completion_tokens, stop: body.stop === undefined ? undefined : [body.stop].flat() };
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

export const ollama: Provider = {
  prefixes: ["ollama", "ollama_chat"],
  endpoints: ["chat", "completion", "embedding"],
  configure: (params, env) => ({ ...params, api_base: params.api_base ?? env.OLLAMA_API_BASE }),

  buildRequest(endpoint, body, target, stream) {
    const base = (target.params.api_base ?? DEFAULT_BASE).replace(/\/+$/, "");
    const headers: Record<string, string> = { "content-type": "application/json", ...(target.params.api_key ? { authorization: `Bearer ${target.params.api_key}` } : {}) };
    const post = (path: string, payload: Body) => ({ url: `${base}${path}`, method: "POST" as const, headers, body: JSON.stringify(payload) });
    if (endpoint === "embedding") return post("/api/embed", { model: target.model, input: inputsOf(body) });
    if (endpoint === "chat" && target.provider === "ollama_chat") {
      const messages = messagesOf(body).map((m) => ({
        role: m.role, content: textOf(m.content),
        ...(m.tool_calls ? { tool_calls: m.tool_calls.map((c) => ({ function: { name: c.function.name, arguments: parseJson(c.function.arguments) ?? {} } })) } : {}),
      }));
      return post("/api/chat", { model: target.model, messages, stream, options: options(body), ...(body.tools ? { tools: body.tools } : {}) });
    }
    const prompt = endpoint === "completion" ? String(body.prompt) : messagesOf(body).map((m) => `${m.role}: ${textOf(m.content)}`).join("\n") + "\nassistant:";
    return post("/api/generate", { model: target.model, prompt, stream, options: options(body) });
  },

  parseResponse(endpoint, upstream, _target, body) {
    const r = upstream as OllamaAnswer;
    const model = String(body.model);
    if (endpoint === "embedding") return embeddingList(model, r.embeddings ?? [], r.prompt_eval_count ?? 0, body);
    const u = usage(r.prompt_eval_count ?? 0, r.eval_count ?? 0);
    if (endpoint === "completion") {
      return { id: `cmpl-${Date.now()}`, object: "text_completion", created: Math.floor(Date.now() / 1000), model, choices: [{ index: 0, text: r.response ?? "", finish_reason: finishOf(r, false), logprobs: null }], usage: u };
    }
    const calls = toolCalls(r.message?.tool_calls);
    return chatCompletion(model, (r.message?.content ?? r.response ?? "") || (calls.length ? null : ""), finishOf(r, calls.length > 0), u, calls);
  },

  streamTranslator(_target, body): StreamTranslator {
    const lines = lineSplitter();
    const c = chunker(String(body.model));
    const state = { first: true, tools: 0 };
    const handle = (line: string): object[] => {
      const r = parseJson(line) as OllamaAnswer | undefined;
      if (!r) return [];
      const out = streamPiece(c, state, r.message?.content ?? r.response ?? "", toolCalls(r.message?.tool_calls));
      if (r.done) out.push(c.delta({}, finishOf(r, state.tools > 0)), c.usage(usage(r.prompt_eval_count ?? 0, r.eval_count ?? 0)));
      return out;
    };
    return { push: (text) => lines.push(text).flatMap(handle), end: () => lines.end().flatMap(handle) };
  },

  mapError(status, body, headers) {
    const e = providerError(status, body, headers);
    return status === 404 ? { ...e, errorClass: "NotFoundError" } : e;
  },
};
