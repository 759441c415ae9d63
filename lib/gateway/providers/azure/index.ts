// Azure OpenAI (`azure/<deployment>`): OpenAI's wire format at Azure's URL layout — the deployment in the path,
// `api-version` in the query — with the `api-key` header or an Entra ID token (`azure_ad_token`). Azure AI
// Foundry (`azure_ai/<model>`): OpenAI's paths under the resource's endpoint, the same two ways to authenticate.
import type { LitellmParams } from "../../config/schema.ts";
import { badRequest, upstreamError } from "../../errors.ts";
import { OPENAI_PATHS } from "../openai/index.ts";
import { withDropList } from "../shared/params.ts";
import type { Provider, UpstreamTarget } from "../types.ts";

/** LiteLLM's default when neither `api_version` nor AZURE_API_VERSION is set. */
export const AZURE_DEFAULT_API_VERSION = "2024-10-21";

function authHeaders(p: LitellmParams): Record<string, string> {
  if (p.azure_ad_token) return { authorization: `Bearer ${p.azure_ad_token.replace(/^Bearer\s+/i, "")}` };
  return p.api_key ? { "api-key": p.api_key } : {};
}

function azureFamily(prefix: string, env: { key: string[]; base: string[]; version: string[] }, url: (t: UpstreamTarget, path: string) => string): Provider {
  const first = (vars: Record<string, string | undefined>, names: string[]) => names.map((n) => vars[n]).find((v) => v);
  return {
    prefixes: [prefix],
    endpoints: ["chat", "completion", "embedding"],
    passthrough: true,

    configure: (params, vars) => ({
      ...params,
      api_key: params.api_key ?? first(vars, env.key),
      api_base: params.api_base ?? first(vars, env.base),
      api_version: params.api_version ?? first(vars, env.version),
      azure_ad_token: params.azure_ad_token ?? vars.AZURE_AD_TOKEN,
    }),

    buildRequest(endpoint, body, target, stream) {
      if (!target.params.api_base) throw badRequest(`${prefix}/${target.model} needs api_base (or ${env.base[0]}): the resource's endpoint`);
      const headers = { "content-type": "application/json", ...authHeaders(target.params), ...target.params.extra_headers };
      const upstreamBody: Record<string, unknown> = { ...withDropList(body, target), model: target.model };
      if (stream) upstreamBody.stream = true;
      return { url: url(target, OPENAI_PATHS[endpoint]), method: "POST", headers, body: JSON.stringify(upstreamBody) };
    },

    parseResponse: (_endpoint, upstream) => upstream as Record<string, unknown>,
    streamTranslator: () => ({ push: () => [], end: () => [] }),
    mapError(status, body, headers) {
      const e = upstreamError(status, body, headers["retry-after"]);
      // Azure's content filter: a 400 with code content_filter (or its ResponsibleAIPolicyViolation inner code).
      if (status === 400 && /"code":\s*"(content_filter|ResponsibleAIPolicyViolation)"/.test(body)) return { ...e, errorClass: "ContentPolicyViolationError" };
      return e;
    },
  };
}

const base = (t: UpstreamTarget) => (t.params.api_base ?? "").replace(/\/+$/, "");
const version = (t: UpstreamTarget, fallback?: string) => {
  const v = t.params.api_version ?? fallback;
  return v ? `?api-version=${encodeURIComponent(v)}` : "";
};

export const azure = azureFamily("azure",
  { key: ["AZURE_API_KEY", "AZURE_OPENAI_API_KEY"], base: ["AZURE_API_BASE", "AZURE_OPENAI_ENDPOINT"], version: ["AZURE_API_VERSION", "OPENAI_API_VERSION"] },
  (t, path) => `${base(t).replace(/\/openai$/, "")}/openai/deployments/${encodeURIComponent(t.model)}${path}${version(t, AZURE_DEFAULT_API_VERSION)}`);

export const azureAi = azureFamily("azure_ai",
  { key: ["AZURE_AI_API_KEY"], base: ["AZURE_AI_API_BASE"], version: ["AZURE_AI_API_VERSION"] },
  (t, path) => `${base(t)}${path}${version(t)}`);
