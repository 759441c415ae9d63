// Secret references: every `os.environ/NAME` in a spec, with its path. Values are never stored in a spec.
import { envRefName, isEnvRef } from "../gateway/config/schema.ts";
import type { Spec } from "./schema.ts";

export interface SecretRef {
  path: string;
  variable: string;
}

export const secretRefs = (spec: Spec): SecretRef[] => secretRefsIn(spec);

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
