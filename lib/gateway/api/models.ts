// OpenAI's models API: `GET /v1/models` (the groups the caller's key may use) and `GET /v1/models/{model}`
// (one of them, or a 404 in OpenAI's error shape — also for a model the key may not use, so a key learns
// nothing about groups outside its list).
import type { Caller } from "../auth.ts";
import { GatewayError } from "../errors.ts";
import type { GatewayConfig } from "../config/load.ts";

const CREATED = 1677610602;
const model = (id: string) => ({ id, object: "model", created: CREATED, owned_by: "openai" });
const allowedFor = (caller: Caller) => (caller.key?.models.length ? new Set(caller.key.models) : undefined);

export function listModels(config: GatewayConfig, caller: Caller): object {
  const allowed = allowedFor(caller);
  return { data: [...config.groups.keys()].filter((id) => !allowed || allowed.has(id)).map(model), object: "list" };
}

/** `id` as it came in the path (URL-encoded, so a model name with a slash is one segment or several). */
export function retrieveModel(config: GatewayConfig, caller: Caller, encodedId: string): object {
  let id: string;
  try {
    id = decodeURIComponent(encodedId);
  } catch {
    id = encodedId;
  }
  const allowed = allowedFor(caller);
  if (!config.groups.has(id) || (allowed && !allowed.has(id))) {
    throw new GatewayError(404, "NotFoundError", `The model '${id}' does not exist or your key may not use it. Call \`/v1/models\` to view available models for your key.`, "model");
  }
  return model(id);
}
