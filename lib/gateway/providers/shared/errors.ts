// Provider errors → LiteLLM's classes, from the status and the provider's own message.
import { upstreamError } from "../../errors.ts";
import type { ProviderError } from "../types.ts";

/** Like the OpenAI mapping, with a provider's own status overrides (e.g. Anthropic's 529 overloaded → 503). */
export function providerError(status: number, body: string, headers: Record<string, string | string[] | undefined>, remap: Record<number, number> = {}): ProviderError {
  return upstreamError(remap[status] ?? status, body, headers["retry-after"]);
}
