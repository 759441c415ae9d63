// Model names as LiteLLM resolves them, once at load (and once per new name for wildcard groups), never per
// request: `<provider>/<model>`, `custom_llm_provider`, a bare well-known name's provider, and `model_name`
// patterns (`*`, `openai/*`, `claude-*`) whose `*` is carried into `litellm_params.model`.
import { createHash } from "node:crypto";
import type { ResolvedDeployment } from "./load.ts";

/** Every provider prefix LiteLLM knows, served here or not: a first path segment outside it is part of the model id. */
const LITELLM_PROVIDERS = new Set([
  "openai", "text-completion-openai", "azure", "azure_ai", "azure_text", "anthropic", "bedrock", "bedrock_converse", "sagemaker",
  "sagemaker_chat", "vertex_ai", "vertex_ai_beta", "gemini", "palm", "cohere", "cohere_chat", "mistral", "codestral", "groq",
  "deepseek", "openrouter", "together_ai", "fireworks_ai", "xai", "cerebras", "nvidia_nim", "perplexity", "deepinfra",
  "huggingface", "github", "github_copilot", "cloudflare", "dashscope", "siliconflow", "zhipu", "moonshot", "sambanova",
  "litellm_proxy", "custom_openai", "openai_like", "hosted_vllm", "vllm", "openai_compatible", "lm_studio", "ollama",
  "ollama_chat", "voyage", "jina_ai", "infinity", "oci", "replicate", "watsonx", "databricks", "predibase", "ai21",
  "nlp_cloud", "aleph_alpha", "petals", "baseten", "anyscale", "friendliai", "volcengine", "nscale", "novita", "lambda_ai",
  "hyperbolic", "featherless_ai", "nebius", "galadriel", "empower", "clarifai", "triton", "snowflake", "llamafile",
  "xinference", "topaz", "assemblyai", "deepgram", "elevenlabs", "datarobot", "gradient_ai", "v0", "morph", "meta_llama",
  "dashscope", "bytez", "heroku", "oobabooga", "maritalk", "codestral", "text-completion-codestral",
]);

export const isLitellmProvider = (prefix: string) => LITELLM_PROVIDERS.has(prefix);

/** Bare names LiteLLM knows the provider of (its model lists, by family). First match wins. */
const BARE: [RegExp, string][] = [
  [/^(gpt-|o1|o3|o4|chatgpt-|text-embedding-|davinci-|babbage-|dall-e|whisper-|tts-|omni-moderation|text-moderation|codex-|computer-use)/, "openai"],
  [/^claude-/, "anthropic"],
  [/^(gemini-|gemma-|learnlm-|text-embedding-004|gemini-embedding)/, "gemini"],
  [/^(mistral-|codestral-|open-mistral|open-mixtral|pixtral-|ministral-|magistral-|devstral-|mistral-embed)/, "mistral"],
  [/^(command|embed-english|embed-multilingual|rerank-|c4ai-)/, "cohere"],
  [/^deepseek-(chat|reasoner|coder)/, "deepseek"],
  [/^grok-/, "xai"],
  [/^(sonar|r1-1776)/, "perplexity"],
  [/^(voyage-|rerank-lite|rerank-2)/, "voyage"],
  [/^jina-/, "jina_ai"],
  [/^(amazon\.|anthropic\.|meta\.llama|mistral\.|cohere\.|ai21\.|us\.|eu\.|apac\.)/, "bedrock"],
];

/** `litellm_params.model` (and `custom_llm_provider`) → the provider and the model id it expects. */
export function providerOf(model: string, customProvider?: string): { provider: string; model: string } {
  const slash = model.indexOf("/");
  const prefix = slash > 0 ? model.slice(0, slash) : "";
  if (customProvider) return { provider: customProvider, model: prefix === customProvider ? model.slice(slash + 1) : model };
  if (prefix && LITELLM_PROVIDERS.has(prefix)) return { provider: prefix, model: model.slice(slash + 1) };
  const bare = BARE.find(([re]) => re.test(model));
  if (bare) return { provider: bare[1], model };
  // LiteLLM refuses an unknown prefix; gatekit names it in the start-up summary and answers 400 for its calls.
  if (prefix) return { provider: prefix, model: model.slice(slash + 1) };
  return { provider: "openai", model };
}

const isPattern = (name: string) => name.includes("*");
const MAX_DERIVED = 2048;

interface Pattern { re: RegExp; literal: number; deployments: ResolvedDeployment[] }

/**
 * model_name → its deployments. Exact names are plain entries; a request for a name no entry holds is matched
 * against the pattern groups (most specific first) and the deployments for it are derived once and remembered.
 */
export class ModelGroups extends Map<string, ResolvedDeployment[]> {
  private patterns?: Pattern[];
  private derived = new Map<string, ResolvedDeployment[]>();

  /** `derive` makes a pattern deployment's copy for one name and the `litellm_params.model` it resolved to. */
  constructor(private readonly derive: (d: ResolvedDeployment, name: string, model: string) => ResolvedDeployment) {
    super();
  }

  override get(name: string): ResolvedDeployment[] | undefined {
    return super.get(name) ?? this.derived.get(name) ?? this.match(name);
  }

  override has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  override set(name: string, deployments: ResolvedDeployment[]): this {
    this.patterns = undefined;
    this.derived?.clear();
    return super.set(name, deployments);
  }

  override delete(name: string): boolean {
    this.patterns = undefined;
    this.derived.clear();
    return super.delete(name);
  }

  override clear(): void {
    this.patterns = undefined;
    this.derived.clear();
    super.clear();
  }

  private match(name: string): ResolvedDeployment[] | undefined {
    this.patterns ??= [...super.entries()].filter(([n]) => isPattern(n)).map(([n, deployments]) => ({
      re: new RegExp(`^${n.split("*").map(escape).join("(.*)")}$`), literal: n.replace(/\*/g, "").length, deployments,
    })).sort((a, b) => b.literal - a.literal);
    for (const p of this.patterns) {
      const m = p.re.exec(name);
      if (!m) continue;
      if (this.derived.size >= MAX_DERIVED) this.derived.clear();
      const group = p.deployments.map((d) => this.derive(d, name, patternModel(d.params.model, name, m.slice(1))));
      this.derived.set(name, group);
      return group;
    }
    return undefined;
  }
}

/** `litellm_params.model` of a pattern deployment for one name: `*` is the name, each `*` in it the text matched. */
function patternModel(model: string, name: string, parts: string[]): string {
  let i = 0;
  return model === "*" ? name : model.replace(/\*/g, () => parts[i++] ?? "");
}

/** The id of a pattern deployment's copy for one name: its own cooldowns and metrics. */
export const derivedId = (id: string, name: string) => createHash("sha256").update(`${id}\0${name}`).digest("hex").slice(0, 16);

export const isPatternName = isPattern;

const escape = (s: string) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
