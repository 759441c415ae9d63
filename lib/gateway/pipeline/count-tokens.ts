// `POST /v1/messages/count_tokens`: the key's model list applies; an `anthropic/` deployment counts natively,
// any other gets an estimate (4 characters a token, as the mock and LiteLLM's fallback count), marked
// `x-gatekit-token-count: estimate`. No spend, no limits: nothing is generated.
import { checkConversation, messages } from "../api/messages.ts";
import { GatewayError } from "../errors.ts";
import { readJson } from "../http/body.ts";
import { providerFor } from "../providers/index.ts";
import { checkKey } from "../state/keys.ts";
import { VIA_HEADER } from "../upstream.ts";
import { knownGroup } from "./admission.ts";
import type { Call, Services } from "./context.ts";
import { send } from "./respond.ts";

export async function countTokens(svc: Services, call: Call): Promise<void> {
  call.surface = messages;
  call.caller = await svc.authenticate(call.req);
  const body = await readJson(call.req, svc.config.maxBodyBytes);
  checkConversation(body);
  const model = body.model as string;
  const group = knownGroup(svc, model);
  if (call.caller.key) checkKey(call.caller.key, model);
  const d = svc.router.pick(model, group, new Set());
  const native = d.params.mock_response === undefined ? providerFor(d.provider)?.native?.messages?.tokenCountRequest : undefined;
  if (!native) {
    call.res.setHeader("x-gatekit-token-count", "estimate");
    return send(call, 200, JSON.stringify({ input_tokens: estimate(body) }));
  }
  const timeout = Math.min(d.timeoutMs, 30_000);
  const up = await svc.upstreams.call(native(body, svc.targetOf(d), call.req.headers), { headersTimeoutMs: timeout, bodyTimeoutMs: timeout, signal: AbortSignal.timeout(timeout), via: call.req.headers[VIA_HEADER] });
  const text = await up.body.text();
  if (up.statusCode >= 400) throw GatewayError.from(providerFor(d.provider)!.mapError(up.statusCode, text, up.headers));
  send(call, 200, text);
}

function estimate(body: Record<string, unknown>): number {
  const chars = JSON.stringify(body.messages).length + JSON.stringify(body.system ?? "").length + JSON.stringify(body.tools ?? []).length;
  return Math.max(1, Math.ceil(chars / 4));
}
