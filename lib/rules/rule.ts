// A production rule (cdk-nag's shape): an id taken from its file name, a severity, what it protects against,
// how to fix it, and a pure check of one environment that returns the places where the spec breaks it.
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import type { Environment } from "../spec/schema.ts";

export type Severity = "error" | "warning";

export interface RuleContext {
  env: Environment;
  /** Every environment being checked together (for cross-environment rules). */
  all: Environment[];
  /** Where secret values come from; rules may test them but never print them. */
  vars: Record<string, string | undefined>;
}

/** A place where the spec breaks the rule: a path into the spec and what is wrong there. */
export interface Violation {
  path: string;
  message: string;
}

export interface Rule {
  id: string;
  severity: Severity;
  /** What the rule protects against. */
  info: string;
  /** How to fix a finding. */
  fix: string;
  /** Reads secret values: skipped by `--skip-secrets` (CI plan reviews hold no secrets). */
  readsSecrets?: boolean;
  check(ctx: RuleContext): Violation[];
}

/** `export default rule(import.meta.url, {...})`: the id is the file's name (.ts, or .js compiled), so the two can't drift. */
export function rule(moduleUrl: string, def: Omit<Rule, "id">): Rule {
  return { id: basename(fileURLToPath(moduleUrl)).replace(/\.[jt]s$/, ""), ...def };
}

export const violation = (path: string, message: string): Violation[] => [{ path, message }];
export const ok: Violation[] = [];
