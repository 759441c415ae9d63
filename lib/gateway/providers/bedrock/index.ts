// Amazon Bedrock (`bedrock/<model id>`): chat through the Converse and ConverseStream APIs (Anthropic, Llama,
// Mistral, Nova, Cohere … — Converse is one format for all), Titan and Cohere embeddings through InvokeModel,
// every request SigV4-signed with the deployment's or the AWS_* environment's credentials.
import type { LitellmParams } from "../../config/schema.ts";
import { badRequest, GatewayError } from "../../errors.ts";
import type { Provider, StreamTranslator, UpstreamTarget } from "../types.ts";
import { providerError } from "../shared/errors.ts";
import { chatCompletion, chunker, embeddingList, inputsOf, lineSplitter, messagesOf, parseJson, textOf, toolsOf, toTurns, usage, type Body, type Message, type ToolCall } from "../shared/openai-shapes.ts";
import { eventStreamLines } from "./event-stream.ts";
import { sigv4Headers } from "./sigv4.ts";

const FINISH: Record<string, string> = { end_turn: "stop", stop_sequence: "stop", max_tokens: "length", tool_use: "tool_calls", guardrail_intervened: "content_filter", content_filtered: "content_filter" };

type Block = { text?: string; toolUse?: { toolUseId: string; name: string; input: unknown }; toolResult?: { toolUseId?: string; content: { text: string }[] } };
type ConverseUsage = { inputTokens?: number; outputTokens?: number };

const converseMessages = (messages: Message[]) =>
  toTurns<Block>(messages, {
    text: (text) => ({ text }),
    toolUse: (c) => ({ toolUse: { toolUseId: c.id, name: c.function.name, input: parseJson(c.function.arguments) ?? {} } }),
    toolResult: (m) => ({ toolResult: { toolUseId: m.tool_call_id, content: [{ text: textOf(m.content) }] } }),
  });

function converseBody(body: Body): Body {
  const messages = messagesOf(body);
  const system = messages.filter((m) => m.role === "system").map((m) => ({ text: textOf(m.content) }));
  const stop = body.stop === undefined ? undefined : Array.isArray(body.stop) ? body.stop : [body.stop];
  const inference = Object.fromEntries(Object.entries({ maxTokens: body.max_tokens ?? body.max_completion_tokens, temperature: body.temperature, topP: body.top_p, stopSequences: stop }).filter(([, v]) => v !== undefined));
  const tools = toolsOf(body).map((t) => ({ toolSpec: { name: t.name, description: t.description, inputSchema: { json: t.parameters ?? { type: "object", properties: {} } } } }));
  return {
    messages: converseMessages(messages), ...(system.length ? { system } : {}), ...(Object.keys(inference).length ? { inferenceConfig: inference } : {}),
    ...(tools.length ? { toolConfig: { tools } } : {}),
  };
}

/** `bedrock/converse/<id>` and `bedrock/invoke/<id>` name the API LiteLLM should use; Converse serves both here. */
const modelId = (model: string) => model.replace(/^(converse|invoke)\//, "");
const isEmbedding = (id: string) => /embed/i.test(id);

function region(p: LitellmParams): string {
  return p.aws_region_name ?? "us-east-1";
}

function credentials(p: LitellmParams) {
  if (!p.aws_access_key_id || !p.aws_secret_access_key) throw new GatewayError(401, "AuthenticationError", "bedrock needs aws_access_key_id and aws_secret_access_key (litellm_params or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)");
  return { accessKeyId: p.aws_access_key_id, secretAccessKey: p.aws_secret_access_key, sessionToken: p.aws_session_token, region: region(p) };
}

function embeddingBody(id: string, body: Body): string {
  const inputs = inputsOf(body);
  if (id.startsWith("cohere.")) return JSON.stringify({ texts: inputs, input_type: body.input_type ?? "search_document" });
  if (inputs.length !== 1) throw badRequest(`bedrock ${id} embeds one input per request; send ${inputs.length} requests`, "input");
  return JSON.stringify({ inputText: inputs[0], ...(body.dimensions ? { dimensions: body.dimensions } : {}) });
}

export const bedrock: Provider = {
  prefixes: ["bedrock", "bedrock_converse"],
  endpoints: ["chat", "embedding"],
  unsupportedParams: ["logit_bias", "logprobs", "top_logprobs", "n", "presence_penalty", "frequency_penalty", "seed"],

  configure: (params, env) => ({
    ...params,
    aws_access_key_id: params.aws_access_key_id ?? env.AWS_ACCESS_KEY_ID,
    aws_secret_access_key: params.aws_secret_access_key ?? env.AWS_SECRET_ACCESS_KEY,
    aws_session_token: params.aws_session_token ?? env.AWS_SESSION_TOKEN,
    aws_region_name: params.aws_region_name ?? env.AWS_REGION_NAME ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
  }),

  buildRequest(endpoint, body, target, stream) {
    const id = modelId(target.model);
    const base = (target.params.api_base ?? `https://bedrock-runtime.${region(target.params)}.amazonaws.com`).replace(/\/+$/, "");
    const embedding = endpoint === "embedding";
    const action = embedding ? "invoke" : stream ? "converse-stream" : "converse";
    const request = {
      url: `${base}/model/${encodeURIComponent(id)}/${action}`, method: "POST" as const,
      headers: { "content-type": "application/json", accept: stream ? "application/vnd.amazon.eventstream" : "application/json" },
      body: embedding ? embeddingBody(id, body) : JSON.stringify(converseBody(body)),
    };
    const creds = credentials(target.params);
    return { ...request, authorize: () => sigv4Headers(request, creds, "bedrock"), ...(stream ? { decodeStream: eventStreamLines } : {}) };
  },

  parseResponse(endpoint, upstream, _target, body) {
    if (endpoint === "embedding") {
      const r = upstream as { embedding?: number[]; embeddings?: number[][]; inputTextTokenCount?: number };
      return embeddingList(String(body.model), r.embeddings ?? [r.embedding ?? []], r.inputTextTokenCount ?? 0, body);
    }
    const r = upstream as { output?: { message?: { content?: Block[] } }; stopReason?: string; usage?: ConverseUsage };
    const blocks = r.output?.message?.content ?? [];
    const text = blocks.map((b) => b.text ?? "").join("");
    const calls: ToolCall[] = blocks.filter((b) => b.toolUse).map((b) => ({ id: b.toolUse!.toolUseId, type: "function", function: { name: b.toolUse!.name, arguments: JSON.stringify(b.toolUse!.input ?? {}) } }));
    return chatCompletion(String(body.model), text || (calls.length ? null : ""), FINISH[r.stopReason ?? ""] ?? "stop", usage(r.usage?.inputTokens ?? 0, r.usage?.outputTokens ?? 0), calls);
  },

  /** Reads the JSON lines eventStreamLines makes of ConverseStream's frames. */
  streamTranslator(_target: UpstreamTarget, body: Body): StreamTranslator {
    const lines = lineSplitter();
    const c = chunker(String(body.model));
    let tool = -1;
    let finish = "stop";
    type Event = {
      messageStart?: object; contentBlockStart?: { start?: { toolUse?: { toolUseId: string; name: string } } };
      contentBlockDelta?: { delta?: { text?: string; toolUse?: { input?: string } } }; messageStop?: { stopReason?: string };
      metadata?: { usage?: ConverseUsage }; exception?: { type?: string; message?: string };
    };
    const handle = (line: string): object[] => {
      const e = parseJson(line) as Event | undefined;
      if (!e) return [];
      if (e.messageStart) return [c.delta({ role: "assistant", content: "" })];
      const start = e.contentBlockStart?.start?.toolUse;
      if (start) return tool++, [c.delta({ tool_calls: [{ index: tool, id: start.toolUseId, type: "function", function: { name: start.name, arguments: "" } }] })];
      const delta = e.contentBlockDelta?.delta;
      if (delta?.text !== undefined) return [c.delta({ content: delta.text })];
      if (delta?.toolUse) return [c.delta({ tool_calls: [{ index: tool, function: { arguments: delta.toolUse.input ?? "" } }] })];
      if (e.messageStop) return (finish = FINISH[e.messageStop.stopReason ?? ""] ?? "stop"), [c.delta({}, finish)];
      if (e.metadata?.usage) return [c.usage(usage(e.metadata.usage.inputTokens ?? 0, e.metadata.usage.outputTokens ?? 0))];
      if (e.exception) throw new GatewayError(502, "InternalServerError", `bedrock stream failed: ${e.exception.type}: ${e.exception.message ?? ""}`);
      return [];
    };
    return { push: (text) => lines.push(text).flatMap(handle), end: () => lines.end().flatMap(handle) };
  },

  mapError(status, body, headers) {
    const e = providerError(status, body, headers);
    const type = String(headers["x-amzn-errortype"] ?? "");
    if (status === 400 && /too long|too many input tokens|context/i.test(e.message)) return { ...e, errorClass: "ContextWindowExceededError" };
    if (/ThrottlingException/.test(type)) return { ...e, status: 429, errorClass: "RateLimitError" };
    if (/UnrecognizedClient|InvalidSignature|ExpiredToken/.test(type)) return { ...e, status: 401, errorClass: "AuthenticationError" };
    return e;
  },
};
