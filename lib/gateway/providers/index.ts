// Provider modules by the prefix of `litellm_params.model`.
import { anthropic } from "./anthropic/index.ts";
import { gemini } from "./gemini/index.ts";
import { ollama } from "./ollama/index.ts";
import { openai } from "./openai/index.ts";
import { voyage } from "./voyage/index.ts";
import type { Provider } from "./types.ts";

const PROVIDERS: Provider[] = [openai, gemini, ollama, voyage, anthropic];

const byPrefix = new Map(PROVIDERS.flatMap((p) => p.prefixes.map((prefix) => [prefix, p] as const)));

export function providerFor(prefix: string): Provider | undefined {
  return byPrefix.get(prefix);
}

export const knownPrefixes = () => [...byPrefix.keys()];
