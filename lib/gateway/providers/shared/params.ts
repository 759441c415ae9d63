// LiteLLM's `drop_params`: a request field the provider does not take is dropped when the deployment (or
// litellm_settings) says so, and otherwise refused with a 400 naming it — never sent on to fail upstream.
import { badRequest } from "../../errors.ts";
import type { Provider, UpstreamTarget } from "../types.ts";

export type Body = Record<string, unknown>;

/** The body the provider may be sent: unsupported fields dropped, or a 400 naming them. */
export function acceptedBody(provider: string, unsupported: ReadonlySet<string>, body: Body, target: UpstreamTarget): Body {
  const p = target.params;
  const dropAll = p.drop_params === true;
  const always = new Set([...(Array.isArray(p.drop_params) ? p.drop_params : []), ...(p.additional_drop_params ?? [])]);
  let out = body;
  const refused: string[] = [];
  for (const key of Object.keys(body)) {
    if (key === "model" || body[key] === undefined) continue;
    if (always.has(key) || (dropAll && unsupported.has(key))) {
      if (out === body) out = { ...body };
      delete out[key];
    } else if (unsupported.has(key)) refused.push(key);
  }
  if (refused.length) {
    throw badRequest(`${provider} does not support parameters: [${refused.map((k) => `'${k}'`).join(", ")}], for model=${target.model}. To drop these, set \`drop_params: true\` in litellm_settings or the deployment's litellm_params.`, refused[0]!);
  }
  return out;
}

/** A deployment's own drop list (`drop_params: [...]`, `additional_drop_params`) applied to a body. */
export const withDropList = (body: Body, target: UpstreamTarget): Body =>
  target.params.additional_drop_params || Array.isArray(target.params.drop_params) ? acceptedBody(target.provider, NONE, body, target) : body;

const NONE: ReadonlySet<string> = new Set();

/**
 * The provider with `drop_params` applied before its own buildRequest. The OpenAI-format providers that refuse
 * nothing apply a deployment's drop list themselves (withDropList) and are not wrapped: the OpenAI path pays one
 * property check, not a call.
 */
export function withParamCheck(provider: Provider): Provider {
  const unsupported = new Set(provider.unsupportedParams ?? []);
  if (provider.passthrough && !unsupported.size) return provider;
  return {
    ...provider,
    buildRequest(endpoint, body, target, stream) {
      const p = target.params;
      if (!unsupported.size && !Array.isArray(p.drop_params) && !p.additional_drop_params) return provider.buildRequest(endpoint, body, target, stream);
      return provider.buildRequest(endpoint, acceptedBody(target.provider, unsupported, body, target), target, stream);
    },
  };
}
