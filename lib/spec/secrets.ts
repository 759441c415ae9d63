// Secret references: every `os.environ/NAME` in a spec, with its path. Values are never stored in a spec.
import { envRefName, isEnvRef } from "../gateway/config/schema.ts";
import type { Spec } from "./schema.ts";

export interface SecretRef {
  path: string;
  variable: string;
}

export const secretRefs = (spec: Spec): SecretRef[] => [...secretRefsIn(spec), ...implicitRefs(spec.litellm, "litellm")];

/**
 * The variables the gateway reads from its environment for a `litellm` section: every `os.environ/NAME` in it,
 * plus SLACK_WEBHOOK_URL when slack alerting is on (LiteLLM reads it from the environment, never from the file).
 */
export const litellmSecretRefs = (litellm: Spec["litellm"], base = "litellm"): SecretRef[] => [...secretRefsIn(litellm, base), ...implicitRefs(litellm, base)];

/** Secrets a setting implies without naming them: `alerting: [slack]` / `failure_callback: [slack]` need the webhook. */
function implicitRefs(litellm: Spec["litellm"], base: string): SecretRef[] {
  if (litellm.general_settings.alerting?.includes("slack")) return [{ path: `${base}.general_settings.alerting`, variable: "SLACK_WEBHOOK_URL" }];
  if (litellm.litellm_settings.failure_callback?.includes("slack")) return [{ path: `${base}.litellm_settings.failure_callback`, variable: "SLACK_WEBHOOK_URL" }];
  return [];
}

/** Every reference inside any value (a spec, or a part of one such as its `litellm` section). */
export function secretRefsIn(root: unknown, base = ""): SecretRef[] {
  const refs: SecretRef[] = [];
  const walk = (value: unknown, path: string) => {
    if (isEnvRef(value)) refs.push({ path, variable: envRefName(value)! });
    else if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${path}[${i}]`));
    else if (value && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) walk(v, path ? `${path}.${k}` : k);
    }
  };
  walk(root, base);
  return refs;
}

/** The distinct variables a spec needs, e.g. for TF_VAR_* inputs. */
export const secretVariables = (spec: Spec) => [...new Set(secretRefs(spec).map((r) => r.variable))].sort();
