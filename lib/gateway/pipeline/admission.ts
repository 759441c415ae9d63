// Admission: a virtual key's refusals (models, budget, expiry …) and its rpm/tpm/parallel limits; then, per
// attempt, a deployment under its own rpm/tpm.
import type { ResolvedDeployment } from "../config/load.ts";
import { badRequest } from "../errors.ts";
import { checkKey, overBudget } from "../state/keys.ts";
import { deploymentLimitError, keyLimitError } from "../state/limits.ts";
import type { Call, Services } from "./context.ts";

/** The model group must exist before anything else is spent on the request. */
export function knownGroup(svc: Services, model: string): ResolvedDeployment[] {
  const group = svc.config.groups.get(model);
  if (!group) throw badRequest(`Invalid model name passed in model=${model}. Call \`/v1/models\` to view available models for your key.`, "model");
  return group;
}

/** LiteLLM's refusals for a virtual key (a budget refusal alerts), then its limits; the parallel slot is freed when the call ends. */
export async function admitKey(svc: Services, call: Call): Promise<void> {
  const key = call.caller!.key!;
  try {
    checkKey(key, call.requestedModel);
  } catch (e) {
    if (svc.alerts && overBudget(key)) svc.alerts.budget(key);
    throw e;
  }
  if (!key.rpm_limit && !key.tpm_limit && !key.max_parallel_requests) return;
  const limits = { rpm: key.rpm_limit, tpm: key.tpm_limit, parallel: key.max_parallel_requests };
  const { refused, current, release } = await svc.limiter.admit(`key:${key.token}`, limits);
  if (refused) throw keyLimitError(key.key_alias ?? key.key_name ?? "", refused, current ?? 0, limits[refused] ?? 0);
  if (call.res.closed) release(); // the client left while it waited
  else call.res.once("close", release);
}

/** A deployment the router picks that is under its rpm/tpm for this minute; 429 when none is. */
export async function pickAdmitted(svc: Services, model: string, group: ResolvedDeployment[], tried: Set<ResolvedDeployment>, limited: Set<ResolvedDeployment>): Promise<ResolvedDeployment> {
  for (;;) {
    const open = limited.size ? group.filter((d) => !limited.has(d)) : group;
    if (!open.length) throw deploymentLimitError(model, group.length);
    const d = svc.router.pick(model, open, tried);
    if (!d.params.rpm && !d.params.tpm) return d;
    const { refused } = await svc.limiter.admit(`deployment:${d.id}`, { rpm: d.params.rpm, tpm: d.params.tpm });
    if (!refused) return d;
    limited.add(d);
  }
}
