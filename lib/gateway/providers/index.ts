// Provider modules by the prefix of `litellm_params.model`.
import { openai } from "./openai/index.ts";
import type { Provider } from "./types.ts";

const PROVIDERS: Provider[] = [openai];

const byPrefix = new Map(PROVIDERS.flatMap((p) => p.prefixes.map((prefix) => [prefix, p] as const)));

export function providerFor(prefix: string): Provider | undefined {
  return byPrefix.get(prefix);
}

export const knownPrefixes = () => [...byPrefix.keys()];
