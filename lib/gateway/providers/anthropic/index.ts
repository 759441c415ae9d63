// Anthropic Messages API (`anthropic/<model>`): system prompts, tools, streamed events, usage, errors.
import type { IncomingHttpHeaders } from "node:http";
import type { Provider, StreamTranslator, UpstreamTarget } from "../types.ts";
import { providerError } from "../shared/errors.ts";
import { chatCompletion, chunker, lineSplitter, messagesOf, parseJson, textOf, toolsOf, toTurns, usage, type Body, type Message, type ToolCall } from "../shared/openai-shapes.ts";

const DEFAULT_BASE = "https://api.anthropic.com";
const FINISH: Record<string, string> = { end_turn: "stop", stop_sequence: "stop", max_tokens: "length", tool_use: "tool_calls" };

type Block = { type: string; text?: string; id?: string; name?: string; input?: unknown; tool_use_id?: string; content?: string };

function toAnthropic(messages: Message[]) {
  const system = messages.filter((m) => m.role === "system").map((m) => textOf(m.content)).join("\n");
  return {
    system,
    messages: toTurns<Block>(messages, {
      text: (text) => ({ type: "text", text }),
      toolUse: (c) => ({ type: "tool_use", id: c.id, name: c.function.name, input: parseJson(c.function.arguments) ?? {} }),
      toolResult: (m) => ({ type: "tool_result", tool_use_id: m.tool_call_id, content: textOf(m.content) }),
    }),
  };
}

const messagesUrl = (target: UpstreamTarget, path = "") => `${(target.params.api_base ?? DEFAULT_BASE).replace(/\/+$/, "")}/v1/messages${path}`;

/** Anthropic's own headers: the client's API version and betas (Claude Code sends several), the deployment's key. */
function nativeHeaders(target: UpstreamTarget, headers: IncomingHttpHeaders): Record<string, string> {
  const version = headers["anthropic-version"];
  const beta = headers["anthropic-beta"];
  return {
    "content-type": "application/json", "anthropic-version": typeof version === "string" ? version : "2023-06-01",
    ...(beta ? { "anthropic-beta": Array.isArray(beta) ? beta.join(",") : beta } : {}),
    ...(target.params.api_key ? { "x-api-key": target.params.api_key } : {}),
  };
}

export const anthropic: Provider = {
  prefixes: ["anthropic"],
  endpoints: ["chat"],
  configure: (params, env) => ({ ...params, api_key: params.api_key ?? env.ANTHROPIC_API_KEY, api_base: params.api_base ?? env.ANTHROPIC_API_BASE ?? env.ANTHROPIC_BASE_URL }),
  unsupportedParams: ["logit_bias", "logprobs", "top_logprobs", "n", "presence_penalty", "frequency_penalty", "seed"],
  native: {
    messages: {
      buildRequest: (body, target, stream, headers) => ({
        url: messagesUrl(target), method: "POST", headers: nativeHeaders(target, headers),
        body: JSON.stringify(stream ? { ...body, model: target.model, stream: true } : { ...body, model: target.model }),
      }),
      tokenCountRequest: (body, target, headers) => ({
        url: messagesUrl(target, "/count_tokens"), method: "POST", headers: nativeHeaders(target, headers), body: JSON.stringify({ ...body, model: target.model }),
      }),
    },
  },

  buildRequest(_endpoint, body, target, stream) {
    const { system, messages } = toAnthropic(messagesOf(body));
    const stop = body.stop === undefined ? undefined : Array.isArray(body.stop) ? body.stop : [body.stop];
    const tools = toolsOf(body).map((t) => ({ name: t.name, description: t.description, input_schema: t.parameters ?? { type: "object", properties: {} } }));
    const request: Body = {
      model: target.model, messages, max_tokens: body.max_tokens ?? body.max_completion_tokens ?? 4096,
      ...(system ? { system } : {}), ...(stop ? { stop_sequences: stop } : {}), ...(tools.length ? { tools } : {}),
      ...(body.temperature !== undefined ? { temperature: body.temperature } : {}), ...(body.top_p !== undefined ? { top_p: body.top_p } : {}),
      ...(stream ? { stream: true } : {}),
    };
    return {
      url: `${(target.params.api_base ?? DEFAULT_BASE).replace(/\/+$/, "")}/v1/messages`, method: "POST", body: JSON.stringify(request),
      headers: { "content-type": "application/json", "anthropic-version": "2023-06-01", ...(target.params.api_key ? { "x-api-key": target.params.api_key } : {}) },
    };
  },

  parseResponse(_endpoint, upstream, _target, body) {
    const r = upstream as { content?: Block[]; stop_reason?: string; usage?: { input_tokens?: number; output_tokens?: number } };
    const text = (r.content ?? []).filter((b) => b.type === "text").map((b) => b.text).join("");
    const calls: ToolCall[] = (r.content ?? []).filter((b) => b.type === "tool_use").map((b) => ({ id: b.id!, type: "function", function: { name: b.name!, arguments: JSON.stringify(b.input ?? {}) } }));
    return chatCompletion(String(body.model), text || (calls.length ? null : ""), FINISH[r.stop_reason ?? ""] ?? "stop", usage(r.usage?.input_tokens ?? 0, r.usage?.output_tokens ?? 0), calls);
  },

  streamTranslator(_target: UpstreamTarget, body: Body): StreamTranslator {
    const lines = lineSplitter();
    const c = chunker(String(body.model));
    let input = 0;
    let tool = -1;
    const handle = (line: string): object[] => {
      if (!line.startsWith("data:")) return [];
      const e = parseJson(line.slice(5).trim()) as { type?: string; message?: { usage?: { input_tokens?: number } }; content_block?: Block; delta?: { type?: string; text?: string; partial_json?: string; stop_reason?: string }; usage?: { output_tokens?: number } } | undefined;
      switch (e?.type) {
        case "message_start":
          input = e.message?.usage?.input_tokens ?? 0;
          return [c.delta({ role: "assistant", content: "" })];
        case "content_block_start":
          if (e.content_block?.type !== "tool_use") return [];
          tool++;
          return [c.delta({ tool_calls: [{ index: tool, id: e.content_block.id, type: "function", function: { name: e.content_block.name, arguments: "" } }] })];
        case "content_block_delta":
          if (e.delta?.type === "text_delta") return [c.delta({ content: e.delta.text })];
          if (e.delta?.type === "input_json_delta") return [c.delta({ tool_calls: [{ index: tool, function: { arguments: e.delta.partial_json } }] })];
          return [];
        case "message_delta":
          return [c.delta({}, FINISH[e.delta?.stop_reason ?? ""] ?? "stop"), c.usage(usage(input, e.usage?.output_tokens ?? 0))];
        default:
          return [];
      }
    };
    return { push: (text) => lines.push(text).flatMap(handle), end: () => lines.end().flatMap(handle) };
  },

  mapError(status, body, headers) {
    const e = providerError(status, body, headers, { 529: 503 });
    if (status === 400 && /prompt is too long|too many tokens/i.test(e.message)) return { ...e, errorClass: "ContextWindowExceededError" };
    return e;
  },
};
