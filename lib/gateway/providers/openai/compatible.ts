// The OpenAI-compatible families: one table, prefix → default base URL, key variable and quirks. Each row is
// served by the OpenAI module's passthrough (answers go to the client as bytes); a row only changes where the
// request goes, which key it carries, extra headers, and the OpenAI fields the provider refuses.
import type { LitellmParams } from "../../config/schema.ts";
import type { Provider } from "../types.ts";
import { openaiFamily } from "./index.ts";

export interface Family {
  prefix: string;
  /** Default base URL (`{VAR}` is read from the environment at load); none: `api_base` is required. */
  base?: string;
  /** Variables read for the key and base URL when the deployment does not set them, first set wins. */
  keyEnv?: string[];
  baseEnv?: string[];
  /** Headers from the environment (OpenRouter's site and app names). */
  headerEnv?: Record<string, string>;
  /** OpenAI request fields the provider refuses (LiteLLM's supported-params lists). */
  unsupported?: string[];
  /** Serves `/v1/rerank` at `{base}/rerank` in Cohere's shape (Jina, vLLM). */
  rerank?: boolean;
}

const LOGPROBS = ["logit_bias", "logprobs", "top_logprobs"];

export const FAMILIES: Family[] = [
  { prefix: "groq", base: "https://api.groq.com/openai/v1", keyEnv: ["GROQ_API_KEY"], baseEnv: ["GROQ_API_BASE"], unsupported: LOGPROBS },
  { prefix: "mistral", base: "https://api.mistral.ai/v1", keyEnv: ["MISTRAL_API_KEY"], baseEnv: ["MISTRAL_API_BASE"], unsupported: [...LOGPROBS, "user"] },
  { prefix: "codestral", base: "https://codestral.mistral.ai/v1", keyEnv: ["CODESTRAL_API_KEY"], unsupported: [...LOGPROBS, "user"] },
  { prefix: "deepseek", base: "https://api.deepseek.com/v1", keyEnv: ["DEEPSEEK_API_KEY"], baseEnv: ["DEEPSEEK_API_BASE"], unsupported: ["logit_bias", "n"] },
  { prefix: "openrouter", base: "https://openrouter.ai/api/v1", keyEnv: ["OPENROUTER_API_KEY", "OR_API_KEY"], baseEnv: ["OPENROUTER_API_BASE"], headerEnv: { "HTTP-Referer": "OR_SITE_URL", "X-Title": "OR_APP_NAME" } },
  { prefix: "together_ai", base: "https://api.together.xyz/v1", keyEnv: ["TOGETHERAI_API_KEY", "TOGETHER_AI_API_KEY", "TOGETHER_API_KEY"], baseEnv: ["TOGETHERAI_API_BASE"] },
  { prefix: "fireworks_ai", base: "https://api.fireworks.ai/inference/v1", keyEnv: ["FIREWORKS_AI_API_KEY", "FIREWORKS_API_KEY", "FIREWORKSAI_API_KEY"], baseEnv: ["FIREWORKS_AI_API_BASE"] },
  { prefix: "xai", base: "https://api.x.ai/v1", keyEnv: ["XAI_API_KEY"], baseEnv: ["XAI_API_BASE"] },
  { prefix: "cerebras", base: "https://api.cerebras.ai/v1", keyEnv: ["CEREBRAS_API_KEY"], unsupported: ["logit_bias", "frequency_penalty", "presence_penalty"] },
  { prefix: "nvidia_nim", base: "https://integrate.api.nvidia.com/v1", keyEnv: ["NVIDIA_NIM_API_KEY"], baseEnv: ["NVIDIA_NIM_API_BASE"], unsupported: ["logit_bias"] },
  { prefix: "perplexity", base: "https://api.perplexity.ai", keyEnv: ["PERPLEXITYAI_API_KEY", "PERPLEXITY_API_KEY"], unsupported: [...LOGPROBS, "n", "tools", "tool_choice"] },
  { prefix: "deepinfra", base: "https://api.deepinfra.com/v1/openai", keyEnv: ["DEEPINFRA_API_KEY"] },
  { prefix: "huggingface", base: "https://router.huggingface.co/v1", keyEnv: ["HF_TOKEN", "HUGGINGFACE_API_KEY"], baseEnv: ["HUGGINGFACE_API_BASE"] },
  { prefix: "github", base: "https://models.inference.ai.azure.com", keyEnv: ["GITHUB_API_KEY"] },
  { prefix: "cloudflare", base: "https://api.cloudflare.com/client/v4/accounts/{CLOUDFLARE_ACCOUNT_ID}/ai/v1", keyEnv: ["CLOUDFLARE_API_KEY"], baseEnv: ["CLOUDFLARE_API_BASE"] },
  { prefix: "dashscope", base: "https://dashscope-intl.aliyuncs.com/compatible-mode/v1", keyEnv: ["DASHSCOPE_API_KEY"], baseEnv: ["DASHSCOPE_API_BASE"] },
  { prefix: "siliconflow", base: "https://api.siliconflow.cn/v1", keyEnv: ["SILICONFLOW_API_KEY"] },
  { prefix: "zhipu", base: "https://open.bigmodel.cn/api/paas/v4", keyEnv: ["ZHIPUAI_API_KEY", "ZHIPU_API_KEY"] },
  { prefix: "moonshot", base: "https://api.moonshot.ai/v1", keyEnv: ["MOONSHOT_API_KEY"], baseEnv: ["MOONSHOT_API_BASE"] },
  { prefix: "sambanova", base: "https://api.sambanova.ai/v1", keyEnv: ["SAMBANOVA_API_KEY"], unsupported: LOGPROBS },
  { prefix: "jina_ai", base: "https://api.jina.ai/v1", keyEnv: ["JINA_AI_API_KEY", "JINA_API_KEY"], rerank: true },
  { prefix: "litellm_proxy", keyEnv: ["LITELLM_PROXY_API_KEY"], baseEnv: ["LITELLM_PROXY_API_BASE"] },
  { prefix: "hosted_vllm", keyEnv: ["HOSTED_VLLM_API_KEY"], baseEnv: ["HOSTED_VLLM_API_BASE"], rerank: true },
  { prefix: "custom_openai", keyEnv: ["OPENAI_API_KEY"] },
  { prefix: "openai_like", keyEnv: ["OPENAI_LIKE_API_KEY"] },
];

/** Fills a deployment's key, base URL and headers from the environment, as LiteLLM does for each family. */
export function familyDefaults(f: Family, params: LitellmParams, env: Record<string, string | undefined>): LitellmParams {
  const first = (names?: string[]) => names?.map((n) => env[n]).find((v) => v);
  const base = params.api_base ?? first(f.baseEnv) ?? f.base?.replace(/\{(\w+)\}/g, (_, name: string) => env[name] ?? `{${name}}`);
  const headers = Object.fromEntries(Object.entries(f.headerEnv ?? {}).filter(([, v]) => env[v]).map(([h, v]) => [h, env[v]!]));
  return {
    ...params, api_base: base, api_key: params.api_key ?? first(f.keyEnv),
    ...(Object.keys(headers).length ? { extra_headers: { ...headers, ...params.extra_headers } } : {}),
  };
}

export const compatibleProviders: Provider[] = FAMILIES.map((f) => ({
  ...openaiFamily([f.prefix], f.unsupported, f.rerank),
  configure: (params, env) => familyDefaults(f, params, env),
}));
