// LiteLLM's rerank API (`POST /v1/rerank`, Cohere's shape): the internal form is the wire format — providers
// map it to their own (Cohere v2, Voyage, Jina, vLLM) and back; never streamed.
import { asIs, openaiEnds, openaiStream } from "./openai.ts";
import type { Surface, TokenCounts } from "./surface.ts";
import { checkFields, is, required, type Fields } from "./validate.ts";

const FIELDS: Fields = { top_n: is.positiveInteger, return_documents: is.boolean, max_tokens_per_doc: is.positiveInteger, rank_fields: is.array };
const INPUT_TOKENS = /"(?:input_tokens|total_tokens)":\s*(\d+)/;

export const rerank: Surface = {
  api: "rerank",
  paths: ["/v1/rerank", "/rerank", "/v2/rerank"],
  endpoint: "rerank",
  internalFormat: true,
  callType: "arerank",

  parse(body, headers) {
    required(body, "model", is.string);
    required(body, "query", is.string);
    required(body, "documents", is.array);
    checkFields(body, FIELDS);
    return asIs(body, headers, false);
  },

  render: (answer) => answer,
  stream: () => openaiStream,
  replay: (text) => text,
  scanUsage(text: string, into: TokenCounts) {
    const m = INPUT_TOKENS.exec(text);
    if (m) into.inputTokens = Number(m[1]);
  },
  ...openaiEnds,
};
