// OpenAI chat completions (`POST /v1/chat/completions`): the gateway's internal form itself.
import { chunker } from "../providers/shared/openai-shapes.ts";
import { asIs, openaiEnds, openaiStream, scanOpenaiUsage } from "./openai.ts";
import { sse, type Surface } from "./surface.ts";
import { checkFields, checkItems, is, required, type Fields } from "./validate.ts";

const FIELDS: Fields = {
  stream: is.boolean, stream_options: is.object, max_tokens: is.positiveInteger, max_completion_tokens: is.positiveInteger,
  n: is.positiveInteger, temperature: is.number, top_p: is.number, presence_penalty: is.number, frequency_penalty: is.number,
  seed: is.integer, stop: is.stringOrStrings, tools: is.array, tool_choice: is.stringOrObject, parallel_tool_calls: is.boolean,
  logprobs: is.boolean, top_logprobs: is.nonNegativeInteger, response_format: is.object, logit_bias: is.object, user: is.string,
  metadata: is.object, reasoning_effort: is.string,
};
const MESSAGE: Fields = { role: is.string, name: is.string, tool_calls: is.array, tool_call_id: is.string };
const TOOL: Fields = { type: is.string, function: is.object };

export const chat: Surface = {
  api: "chat",
  paths: ["/v1/chat/completions", "/chat/completions"],
  endpoint: "chat",
  internalFormat: true,
  callType: "acompletion",

  parse(body, headers) {
    required(body, "model", is.string);
    required(body, "messages", is.array);
    checkFields(body, FIELDS);
    checkItems(body.messages as unknown[], "messages", (m, prefix) => {
      required(m, "role", is.string, prefix);
      checkFields(m, MESSAGE, prefix);
    });
    if (Array.isArray(body.tools)) checkItems(body.tools, "tools", (t, prefix) => checkFields(t, TOOL, prefix));
    return asIs(body, headers, body.stream === true);
  },

  render: (answer) => answer,
  stream: () => openaiStream,

  replay(text, parsed) {
    const answer = JSON.parse(text) as { model?: string; choices?: { message?: { content?: string; tool_calls?: unknown[] }; finish_reason?: string }[]; usage?: object };
    const c = chunker(String(answer.model ?? parsed.model));
    const choice = answer.choices?.[0];
    const delta: Record<string, unknown> = { role: "assistant", content: choice?.message?.content ?? "" };
    if (choice?.message?.tool_calls) delta.tool_calls = choice.message.tool_calls.map((t, index) => ({ index, ...(t as object) }));
    return sse(c.delta(delta)) + openaiStream.end([c.delta({}, choice?.finish_reason ?? "stop")]);
  },

  scanUsage: scanOpenaiUsage,
  ...openaiEnds,
};
