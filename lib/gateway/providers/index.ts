// Provider modules by the prefix of `litellm_params.model`.
import { anthropic } from "./anthropic/index.ts";
import { azure, azureAi } from "./azure/index.ts";
import { bedrock } from "./bedrock/index.ts";
import { cohere } from "./cohere/index.ts";
import { gemini } from "./gemini/index.ts";
import { ollama } from "./ollama/index.ts";
import { compatibleProviders } from "./openai/compatible.ts";
import { openai } from "./openai/index.ts";
import { withParamCheck } from "./shared/params.ts";
import type { Provider } from "./types.ts";
import { vertexAi } from "./vertex_ai/index.ts";
import { voyage } from "./voyage/index.ts";

const PROVIDERS: Provider[] = [openai, ...compatibleProviders, azure, azureAi, gemini, vertexAi, bedrock, cohere, ollama, voyage, anthropic].map(withParamCheck);

const byPrefix = new Map(PROVIDERS.flatMap((p) => p.prefixes.map((prefix) => [prefix, p] as const)));

export function providerFor(prefix: string): Provider | undefined {
  return byPrefix.get(prefix);
}

export const knownPrefixes = () => [...byPrefix.keys()];
