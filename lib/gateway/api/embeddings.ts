// OpenAI embeddings (`POST /v1/embeddings`): the internal form is the wire format; never streamed.
import { asIs, openaiEnds, openaiStream, scanOpenaiUsage } from "./openai.ts";
import type { Surface } from "./surface.ts";
import { checkFields, is, required, type Fields } from "./validate.ts";

const FIELDS: Fields = { encoding_format: is.oneOf("float", "base64"), dimensions: is.positiveInteger, user: is.string };

export const embeddings: Surface = {
  api: "embeddings",
  paths: ["/v1/embeddings", "/embeddings"],
  endpoint: "embedding",
  internalFormat: true,
  callType: "aembedding",

  parse(body, headers) {
    required(body, "model", is.string);
    required(body, "input", is.stringOrArray);
    checkFields(body, FIELDS);
    return asIs(body, headers, false);
  },

  render: (answer) => answer,
  stream: () => openaiStream,
  replay: (text) => text,
  scanUsage: scanOpenaiUsage,
  ...openaiEnds,
};
