// OpenAI legacy completions (`POST /v1/completions`): the internal form is the wire format.
import { randomUUID } from "node:crypto";
import { asIs, openaiEnds, openaiStream, scanOpenaiUsage } from "./openai.ts";
import type { Surface } from "./surface.ts";
import { checkFields, is, required, type Fields } from "./validate.ts";

const FIELDS: Fields = {
  stream: is.boolean, stream_options: is.object, max_tokens: is.nonNegativeInteger, n: is.positiveInteger, best_of: is.positiveInteger,
  temperature: is.number, top_p: is.number, presence_penalty: is.number, frequency_penalty: is.number, seed: is.integer,
  stop: is.stringOrStrings, echo: is.boolean, logprobs: is.nonNegativeInteger, suffix: is.string, logit_bias: is.object, user: is.string,
};

export const completions: Surface = {
  api: "completions",
  paths: ["/v1/completions", "/completions"],
  endpoint: "completion",
  internalFormat: true,
  callType: "atext_completion",

  parse(body, headers) {
    required(body, "model", is.string);
    required(body, "prompt", is.stringOrArray);
    checkFields(body, FIELDS);
    return asIs(body, headers, body.stream === true);
  },

  render: (answer) => answer,
  stream: () => openaiStream,

  replay(text, parsed) {
    const answer = JSON.parse(text) as { id?: string; model?: string; created?: number; choices?: { text?: string; finish_reason?: string }[] };
    const base = { id: answer.id ?? `cmpl-${randomUUID()}`, object: "text_completion", created: answer.created ?? Math.floor(Date.now() / 1000), model: answer.model ?? parsed.model };
    const choice = answer.choices?.[0];
    return openaiStream.end([
      { ...base, choices: [{ index: 0, text: choice?.text ?? "", finish_reason: null, logprobs: null }] },
      { ...base, choices: [{ index: 0, text: "", finish_reason: choice?.finish_reason ?? "stop", logprobs: null }] },
    ]);
  },

  scanUsage: scanOpenaiUsage,
  ...openaiEnds,
};
