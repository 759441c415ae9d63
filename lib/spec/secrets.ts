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
  for (const [path, value] of strings(root)) if (isEnvRef(value)) refs.push({ path: dotted(base, path), variable: envRefName(value)! });
  return refs;
}

/** Every string inside a value, with its path, depth first. */
function* strings(value: unknown, path: (string | number)[] = []): Generator<[(string | number)[], string]> {
  if (typeof value === "string") yield [path, value];
  else if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* strings(v, [...path, i]);
  else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) yield* strings(v, [...path, k]);
}

/** `model_list[0].litellm_params.api_key`, after `base`. */
const dotted = (base: string, path: (string | number)[]) =>
  path.reduce<string>((s, k) => (typeof k === "number" ? `${s}[${k}]` : s ? `${s}.${k}` : k), base);

/** The distinct variables a spec needs, e.g. for TF_VAR_* inputs. */
export const secretVariables = (spec: Spec) => [...new Set(secretRefs(spec).map((r) => r.variable))].sort();

/**
 * Settings of the LiteLLM config that hold a secret: they must be `os.environ/NAME` references, because the
 * config is written verbatim into the stack (cdk.tf.json, Terraform state) and the rendered ConfigMap.
 */
const SECRET_SETTINGS: [path: string[], example: string][] = [
  [["litellm_settings", "cache_params", "password"], "REDIS_PASSWORD"],
  [["router_settings", "redis_password"], "REDIS_PASSWORD"],
  [["general_settings", "master_key"], "LITELLM_MASTER_KEY"],
  [["general_settings", "database_url"], "DATABASE_URL"],
];

/** Variable and header names that carry a secret (SLACK_WEBHOOK_URL, AWS_SECRET_ACCESS_KEY, Authorization, …). */
export const SECRET_NAME = /KEY|SECRET|PASS|PWD|TOKEN|WEBHOOK|CREDENTIAL|AUTH|PRIVATE|DSN|COOKIE|SIGNATURE|DATABASE_URL|REDIS_URL/i;
/** A URL with a password in it: scheme://user:password@host. */
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]+@/i;

export interface LiteralSecret {
  path: (string | number)[];
  message: string;
}

/**
 * Every secret written as literal text in a `litellm` section (paths relative to it). The messages name what is
 * allowed and never the value.
 */
export function literalSecrets(litellm: unknown): LiteralSecret[] {
  const out: LiteralSecret[] = [];
  const at = (root: unknown, path: readonly (string | number)[]) =>
    path.reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<string | number, unknown>)[k] : undefined), root);
  const literal = (v: unknown): v is string => typeof v === "string" && v !== "" && !isEnvRef(v);
  const refuse = (path: (string | number)[], what: string, example: string) =>
    out.push({ path, message: `${what} written as literal text; only a reference of the form os.environ/VARIABLE_NAME is allowed (e.g. os.environ/${example}) — a literal would be written into the synthesized stack and the rendered config` });
  for (const [path, example] of SECRET_SETTINGS) if (literal(at(litellm, path))) refuse(path, "a secret", example);
  const models = at(litellm, ["model_list"]);
  if (Array.isArray(models)) {
    models.forEach((m, i) => {
      if (literal(at(m, ["litellm_params", "api_key"]))) refuse(["model_list", i, "litellm_params", "api_key"], "a provider key", "OPENAI_API_KEY");
      const headers = at(m, ["litellm_params", "extra_headers"]);
      for (const [h, v] of Object.entries(headers && typeof headers === "object" ? headers : {})) {
        if (SECRET_NAME.test(h) && literal(v)) refuse(["model_list", i, "litellm_params", "extra_headers", h], `the header ${h}`, "PROVIDER_TOKEN");
      }
    });
  }
  const vars = at(litellm, ["environment_variables"]);
  for (const [name, v] of Object.entries(vars && typeof vars === "object" ? vars : {})) {
    if (SECRET_NAME.test(name) && literal(v)) refuse(["environment_variables", name], `${name} (a secret-looking variable)`, /^[A-Za-z_]\w*$/.test(name) ? name : "VARIABLE_NAME");
  }
  // Anywhere else: a URL that carries a password (redis_url, cache_params.url, api_base, …).
  const seen = new Set(out.map((o) => o.path.join(".")));
  for (const [path, v] of strings(litellm)) {
    if (URL_WITH_PASSWORD.test(v) && !seen.has(path.join("."))) refuse(path, "a URL with a password in it", "REDIS_URL");
  }
  return out;
}
