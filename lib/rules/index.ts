// The production rule pack and its runner: all findings of all environments at once, suppressions applied.
import type { Environment } from "../spec/schema.ts";
import type { Rule, Severity } from "./rule.ts";
import ContainersHardened from "./ContainersHardened.ts";
import DataServicesPrivate from "./DataServicesPrivate.ts";
import DatabaseUrlMatchesPostgres from "./DatabaseUrlMatchesPostgres.ts";
import DbConnectionBudget from "./DbConnectionBudget.ts";
import DbPoolPerWorker from "./DbPoolPerWorker.ts";
import ErrorLogsOutOfDb from "./ErrorLogsOutOfDb.ts";
import HealthcheckTimeouts from "./HealthcheckTimeouts.ts";
import ImagesPinned from "./ImagesPinned.ts";
import JsonLogs from "./JsonLogs.ts";
import LitellmFeaturesServed from "./LitellmFeaturesServed.ts";
import MasterKeyStrong from "./MasterKeyStrong.ts";
import MemoryForWorkers from "./MemoryForWorkers.ts";
import MultiInstanceNeedsRedis from "./MultiInstanceNeedsRedis.ts";
import NoSharedHostResources from "./NoSharedHostResources.ts";
import ProductionMode from "./ProductionMode.ts";
import RedisByHostPort from "./RedisByHostPort.ts";
import RedisMemoryHeadroom from "./RedisMemoryHeadroom.ts";
import RequestTimeoutCoversModels from "./RequestTimeoutCoversModels.ts";
import RetryPolicyPerErrorType from "./RetryPolicyPerErrorType.ts";
import RoutingSimpleShuffle from "./RoutingSimpleShuffle.ts";
import SaltKeySet from "./SaltKeySet.ts";
import SecretsPresent from "./SecretsPresent.ts";
import SeparateHealthApp from "./SeparateHealthApp.ts";
import ShutdownCoversRequests from "./ShutdownCoversRequests.ts";
import SpendBatchWrites from "./SpendBatchWrites.ts";
import SpendJournalDurable from "./SpendJournalDurable.ts";
import VerboseOff from "./VerboseOff.ts";
import WorkerRecycling from "./WorkerRecycling.ts";
import WorkersMatchCpus from "./WorkersMatchCpus.ts";
import ProbeTimeouts from "./ProbeTimeouts.ts";
import PdbForReplicas from "./PdbForReplicas.ts";
import GuaranteedQos from "./GuaranteedQos.ts";
import SpreadConstraints from "./SpreadConstraints.ts";
import NetworkPolicyPresent from "./NetworkPolicyPresent.ts";
import PodSecurityEnforced from "./PodSecurityEnforced.ts";

export type { Rule, Severity } from "./rule.ts";
export { connectionBudget } from "./DbConnectionBudget.ts";

export const RULES: readonly Rule[] = [
  DbConnectionBudget, DbPoolPerWorker, SpendBatchWrites, ErrorLogsOutOfDb, RequestTimeoutCoversModels, VerboseOff,
  JsonLogs, RoutingSimpleShuffle, RetryPolicyPerErrorType, RedisByHostPort, WorkersMatchCpus, WorkerRecycling,
  SeparateHealthApp, ProductionMode, SaltKeySet, MasterKeyStrong, SecretsPresent, DatabaseUrlMatchesPostgres,
  MemoryForWorkers, ShutdownCoversRequests, HealthcheckTimeouts, MultiInstanceNeedsRedis, DataServicesPrivate,
  ImagesPinned, ContainersHardened, NoSharedHostResources, RedisMemoryHeadroom, SpendJournalDurable, LitellmFeaturesServed,
  // Kubernetes only: checked on the rendered objects.
  ProbeTimeouts, PdbForReplicas, GuaranteedQos, SpreadConstraints, NetworkPolicyPresent, PodSecurityEnforced,
];

export interface Finding {
  ruleId: string;
  severity: Severity;
  environment: string;
  file: string;
  path: string;
  message: string;
  fix: string;
  /** The written reason, when the environment suppresses this rule. */
  suppressed?: string;
}

export interface CheckOptions {
  /** false: skip the rules that read secret values (for CI plan reviews, which hold no secrets). */
  secrets?: boolean;
}

export function checkEnvironments(envs: Environment[], vars: Record<string, string | undefined> = process.env, opts: CheckOptions = {}): Finding[] {
  const rules = opts.secrets === false ? RULES.filter((r) => !r.readsSecrets) : RULES;
  return envs.flatMap((env) => [...runRules(rules, env, envs, vars), ...unknownSuppressions(env)]);
}

function runRules(rules: readonly Rule[], env: Environment, all: Environment[], vars: Record<string, string | undefined>): Finding[] {
  const reasons = new Map(env.spec.suppressions.map((s) => [s.rule, s.reason]));
  return rules.flatMap((rule) =>
    rule.check({ env, all, vars }).map((v) => ({
      ruleId: rule.id, severity: rule.severity, environment: env.name, file: env.file,
      path: v.path, message: v.message, fix: rule.fix,
      ...(reasons.has(rule.id) ? { suppressed: reasons.get(rule.id) } : {}),
    })),
  );
}

function unknownSuppressions(env: Environment): Finding[] {
  const ids = new Set(RULES.map((r) => r.id));
  return env.spec.suppressions.flatMap((s, i) =>
    ids.has(s.rule) ? [] : [{
      ruleId: "SuppressionUnknownRule", severity: "error" as const, environment: env.name, file: env.file,
      path: `suppressions[${i}].rule`, message: `no rule named ${s.rule}`, fix: `Use one of: ${[...ids].join(", ")}.`,
    }],
  );
}

export const hasErrors = (findings: Finding[]) => findings.some((f) => f.severity === "error" && !f.suppressed);

export function formatFindings(findings: Finding[]): string {
  return findings
    .map((f) => {
      const mark = f.suppressed ? "~" : f.severity === "error" ? "✗" : "!";
      const tail = f.suppressed ? `\n      suppressed: ${f.suppressed}` : `\n      fix: ${f.fix}`;
      return `  ${mark} ${f.ruleId} ${f.file} ${f.path}: ${f.message}${tail}`;
    })
    .join("\n");
}
