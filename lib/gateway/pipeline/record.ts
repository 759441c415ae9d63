// After the response: metrics, spend (a row on the batch buffer, the key's running total), tokens for the
// tpm limits, slow-response alerts. Nothing here delays an answer.
import { performance } from "node:perf_hooks";
import type { ResolvedDeployment } from "../config/load.ts";
import { overBudget, type VirtualKey } from "../state/keys.ts";
import { costOf, type SpendRow } from "../state/spend.ts";
import type { Call, Services } from "./context.ts";

export function record(svc: Services, call: Call): void {
  if (!call.requestedModel && !call.errorClass) return;
  const total = (performance.now() - call.started) / 1000;
  const d = call.deployment;
  const status = call.res.statusCode;
  svc.metrics.record({
    requestedModel: call.requestedModel, model: d?.params.model ?? "", modelId: d?.id ?? "", apiBase: d?.params.api_base ?? "",
    provider: d?.provider ?? "", hashedKey: call.caller?.hashedKey ?? "", keyAlias: call.caller?.alias ?? "", status,
    exceptionClass: status >= 400 ? (call.errorClass ?? "APIConnectionError") : undefined,
    totalSeconds: total, llmSeconds: call.llmMs === undefined ? undefined : call.llmMs / 1000,
    overheadSeconds: Math.max(0, total - (call.llmMs ?? 0) / 1000), inputTokens: call.inputTokens, outputTokens: call.outputTokens,
  });
  if (svc.state && status < 400 && d) recordSpend(svc, call, d, total);
  else if (svc.state?.spend && status < 400 && call.cacheHit) recordCacheHit(svc, call, total);
  else if (svc.state?.spend && status >= 400 && call.caller && call.requestedModel) recordFailure(svc, call, total);
  if (status < 400 && (call.caller?.key?.tpm_limit || d?.params.tpm)) countTokens(svc, call);
  if (svc.alerts && status < 400 && total > svc.alerts.slowSeconds) svc.alerts.slow(call.requestedModel, total);
  if (svc.logger.isLevelEnabled("debug")) svc.logger.debug({ model: call.requestedModel, deployment: d?.id, status, ms: Math.round(total * 1000) }, "request");
}

function countTokens(svc: Services, call: Call): void {
  const scopes = [call.caller?.key?.tpm_limit && `key:${call.caller.key.token}`, call.deployment?.params.tpm && `deployment:${call.deployment.id}`];
  svc.limiter.addTokens(scopes.filter((s): s is string => !!s), (call.inputTokens ?? 0) + (call.outputTokens ?? 0));
}

/** A row on the spend buffer, and the key's spend remembered until the batch lands. */
function recordSpend(svc: Services, call: Call, d: ResolvedDeployment, totalSeconds: number): void {
  const spend = costOf(d, call.inputTokens, call.outputTokens);
  const key = call.caller?.key;
  if (key) addKeySpend(svc, key, spend);
  if (!svc.state!.spend) return;
  svc.state!.spend.add({ ...spendRow(call, totalSeconds, d), spend, prompt_tokens: call.inputTokens ?? 0, completion_tokens: call.outputTokens ?? 0 });
}

/** A refused or failed call of a known caller: a spend log row without spend (LiteLLM logs errors too). */
function recordFailure(svc: Services, call: Call, totalSeconds: number): void {
  svc.state!.spend!.add({ ...spendRow(call, totalSeconds, call.deployment), status: "failure", errorClass: call.errorClass ?? "APIConnectionError" });
}

/** An answer from the response cache: a spend log row at no cost, so every served call has its row (as in LiteLLM). */
function recordCacheHit(svc: Services, call: Call, totalSeconds: number): void {
  svc.state!.spend!.add({ ...spendRow(call, totalSeconds, undefined), cacheHit: true });
}

/** The row every call's spend log entry starts from: no cost or tokens until the caller says so. */
function spendRow(call: Call, totalSeconds: number, d: ResolvedDeployment | undefined): SpendRow {
  const end = new Date();
  return {
    request_id: call.id, call_type: call.surface?.callType ?? "acompletion", api_key: call.caller?.key?.token ?? "", spend: 0,
    prompt_tokens: 0, completion_tokens: 0, startTime: new Date(end.getTime() - totalSeconds * 1000), endTime: end,
    model: d?.params.model ?? "", model_id: d?.id ?? "", model_group: call.requestedModel, api_base: d?.params.api_base ?? "", user: "",
  };
}

/** Crossing the key's budget alerts at once. */
function addKeySpend(svc: Services, key: VirtualKey, spend: number): void {
  const wasUnder = !overBudget(key);
  svc.state!.keys.addSpend(key, spend);
  if (svc.alerts && wasUnder && overBudget(key)) svc.alerts.budget(key);
}

export const deploymentLabels = (d: ResolvedDeployment) => ({ litellm_model_name: d.params.model, model_id: d.id, api_base: d.params.api_base ?? "", api_provider: d.provider });

/** litellm_deployment_state, written only when it changes so the hot path pays one map look-up. */
export function setDeploymentState(svc: Services, d: ResolvedDeployment, state: 0 | 1 | 2): void {
  if (svc.deploymentStates.get(d) === state) return;
  svc.deploymentStates.set(d, state);
  svc.metrics.deploymentState(deploymentLabels(d), state);
}

export function countFallback(svc: Services, call: Call, fallbackModel: string, key: "fallbackOk" | "fallbackFailed"): void {
  svc.metrics.count(key, { requested_model: call.requestedModel, fallback_model: fallbackModel, hashed_api_key: call.caller?.hashedKey ?? "", api_key_alias: call.caller?.alias ?? "" });
}
