// Pieces every translating provider needs: OpenAI message access, answer and chunk shapes, embeddings in the
// encoding the client asked for, and line splitting for streams.
import { randomUUID } from "node:crypto";
import { randomHex } from "../../ids.ts";

export type Body = Record<string, unknown>;
export interface ToolCall { id: string; type: "function"; function: { name: string; arguments: string } }
export interface Message { role: string; content?: unknown; tool_calls?: ToolCall[]; tool_call_id?: string; name?: string }
export interface Usage { prompt_tokens: number; completion_tokens: number; total_tokens: number }

export const messagesOf = (body: Body) => (body.messages ?? []) as Message[];

/** How one provider writes the blocks of a turn (Anthropic's and Bedrock's Converse turns differ only here). */
export interface TurnBlocks<B> { text(text: string): B; toolUse(call: ToolCall): B; toolResult(message: Message): B }

/**
 * Chat messages (system ones left out) → alternating user/assistant turns, as Anthropic and Bedrock require:
 * consecutive blocks of one role share a turn, and a tool result is a user turn.
 */
export function toTurns<B>(messages: Message[], blocks: TurnBlocks<B>): { role: "user" | "assistant"; content: B[] }[] {
  const out: { role: "user" | "assistant"; content: B[] }[] = [];
  const push = (role: "user" | "assistant", block: B) => {
    const last = out.at(-1);
    if (last?.role === role) last.content.push(block);
    else out.push({ role, content: [block] });
  };
  for (const m of messages) {
    if (m.role === "system") continue;
    if (m.role === "tool") push("user", blocks.toolResult(m));
    else if (m.role === "assistant") {
      if (textOf(m.content)) push("assistant", blocks.text(textOf(m.content)));
      for (const c of m.tool_calls ?? []) push("assistant", blocks.toolUse(c));
    } else push("user", blocks.text(textOf(m.content)));
  }
  return out;
}

/** The text of an OpenAI content value: a string, or the text parts of a content array. */
export function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((p: { type?: string; text?: string }) => (p.type === "text" ? (p.text ?? "") : "")).join("");
  return "";
}

export const usage = (prompt: number, completion: number): Usage => ({ prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion });

export function chatCompletion(model: string, content: string | null, finish: string, u: Usage, toolCalls: ToolCall[] = []): Record<string, unknown> {
  const message: Record<string, unknown> = { role: "assistant", content };
  if (toolCalls.length) message.tool_calls = toolCalls;
  return { id: `chatcmpl-${randomUUID()}`, object: "chat.completion", created: Math.floor(Date.now() / 1000), model, choices: [{ index: 0, message, finish_reason: finish }], usage: u };
}

/** Builds the chunks of one streamed answer with a shared id. */
export function chunker(model: string) {
  const base = { id: `chatcmpl-${randomUUID()}`, object: "chat.completion.chunk", created: Math.floor(Date.now() / 1000), model };
  return {
    delta: (delta: Record<string, unknown>, finish: string | null = null): object => ({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] }),
    usage: (u: Usage): object => ({ ...base, choices: [], usage: u }),
  };
}

/**
 * Chunks for one piece of a streamed answer: its text (the first piece also carries the role), then its tool
 * calls, numbered across the whole stream.
 */
export function streamPiece(c: ReturnType<typeof chunker>, state: { first: boolean; tools: number }, text: string, calls: ToolCall[]): object[] {
  const out: object[] = [];
  if (text || state.first) out.push(c.delta(state.first ? { role: "assistant", content: text } : { content: text }));
  state.first = false;
  for (const call of calls) out.push(c.delta({ tool_calls: [{ index: state.tools++, ...call }] }));
  return out;
}

/** OpenAI's embedding list; base64 (little-endian float32) when the client asked, as the openai SDK does by default. */
export function embeddingList(model: string, vectors: number[][], tokens: number, body: Body): Record<string, unknown> {
  const base64 = body.encoding_format === "base64";
  const data = vectors.map((v, index) => ({ object: "embedding", index, embedding: base64 ? Buffer.from(new Float32Array(v).buffer).toString("base64") : v }));
  return { object: "list", data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
}

export const inputsOf = (body: Body): string[] => (Array.isArray(body.input) ? body.input : [body.input]).map(String);

/** Splits streamed text into complete, non-empty lines (a trailing \r dropped), keeping a partial line for the next push. */
export function lineSplitter() {
  let rest = "";
  return {
    push(text: string): string[] {
      const all = rest ? rest + text : text;
      const lines: string[] = [];
      let from = 0;
      for (let nl = all.indexOf("\n"); nl >= 0; from = nl + 1, nl = all.indexOf("\n", from)) {
        const to = nl > from && all.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
        if (to > from) lines.push(all.slice(from, to));
      }
      rest = from ? all.slice(from) : all;
      return lines;
    },
    end(): string[] {
      const last = rest.trim();
      rest = "";
      return last ? [last] : [];
    },
  };
}

export const parseJson = (text: string): Record<string, unknown> | undefined => {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
};

// A JSON string literal, whole and valid (so JSON.parse of it cannot throw).
const LITERAL = String.raw`"(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[\dA-Fa-f]{4})*"`;
/**
 * The chunk nearly every token of a stream arrives in, from `"choices"` to its end: choice 0 only, its delta
 * a role and text or nothing, no usage. Anything else is parsed whole.
 */
const PLAIN_CHUNK = new RegExp(
  String.raw`"choices":\[\{"index":0,"delta":\{(?:(?:"role":"assistant",)?"content":(${LITERAL})(?:,"refusal":null)?|"role":"assistant")?\}` +
    String.raw`(?:,"logprobs":null)?,"finish_reason":(?:null|"([a-z_]+)")(?:,"logprobs":null)?\}\](?:,"usage":null)?(?:,"obfuscation":"[\w-]*")?\}$`,
  "y",
);

/**
 * A streamed chat chunk's JSON → the chunk. The plain text chunk is read by one anchored match instead of a
 * whole parse: the fields before `"choices"` (id, model, created …) are ones no translation reads, and hold no
 * object (their first `{` is the choice's), so no usage either, and are not checked further: a garbled one is
 * read where JSON.parse would refuse it, while the text itself is always a whole, valid literal. Searches start
 * at rare characters.
 */
export function chatChunk(data: string): Record<string, unknown> | undefined {
  const list = data.indexOf('[{"index":0,"delta":{');
  if (list > 10 && data.charCodeAt(0) === 123 && data.indexOf("{", 1) === list + 1) {
    PLAIN_CHUNK.lastIndex = list - 10; // where `"choices":` must start, as the match checks
    const m = PLAIN_CHUNK.exec(data);
    if (m) {
      const text = m[1];
      const content = text === undefined ? undefined : text.indexOf("\\") < 0 ? text.slice(1, -1) : (JSON.parse(text) as string);
      return { choices: [{ index: 0, delta: content === undefined ? {} : { content }, finish_reason: m[2] ?? null }] };
    }
  }
  return parseJson(data);
}

/** OpenAI tools → name/description/JSON-schema triples. */
export const toolsOf = (body: Body) =>
  ((body.tools ?? []) as { function: { name: string; description?: string; parameters?: object } }[]).map((t) => t.function);

export const toolCallId = () => `call_${randomHex(12)}`;
