// Every production rule: the shipped prod spec complies, and one targeted change breaks it.
import { readdirSync } from "node:fs";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkEnvironments, hasErrors, RULES } from "../../lib/rules/index.ts";
import type { RuleContext } from "../../lib/rules/rule.ts";
import type { DockerEnvironment, Environment } from "../../lib/spec/schema.ts";
import { shipped } from "../support/specs.ts";
import { TEST_VARS } from "../support/vars.ts";

type Breaker = (env: DockerEnvironment, vars: Record<string, string | undefined>) => Environment[] | void;

const GiB = 1024 ** 3;

/** For each rule, a change to a compliant spec (or its variables) that must produce a finding. */
const BREAK: Record<string, Breaker> = {
  DbConnectionBudget: (e) => void ((e.spec.gateway.instances = 3), (e.spec.postgres.max_connections = 100)),
  DbPoolPerWorker: (e) => void delete e.spec.litellm.general_settings.database_connection_pool_limit,
  SpendBatchWrites: (e) => void (e.spec.litellm.general_settings.proxy_batch_write_at = 5),
  ErrorLogsOutOfDb: (e) => void (e.spec.litellm.general_settings.disable_error_logs = false),
  RequestTimeoutCoversModels: (e) => void (e.spec.litellm.model_list[0]!.litellm_params.timeout = 900),
  VerboseOff: (e) => void (e.spec.litellm.litellm_settings.set_verbose = true),
  JsonLogs: (e) => void delete e.spec.litellm.litellm_settings.json_logs,
  RoutingSimpleShuffle: (e) => void (e.spec.litellm.router_settings.routing_strategy = "least-busy"),
  RetryPolicyPerErrorType: (e) => void (e.spec.litellm.router_settings.retry_policy!.AuthenticationErrorRetries = 2),
  RedisByHostPort: (e) => void (e.spec.litellm.router_settings.redis_url = "redis://redis:6379"),
  WorkersMatchCpus: (e) => void (e.spec.gateway.num_workers = 8),
  WorkerRecycling: (e) => void (e.spec.gateway.max_requests_before_restart_jitter = 0),
  SeparateHealthApp: (e) => void (e.spec.gateway.separate_health_app = false),
  ProductionMode: (e) => void (e.spec.gateway.mode = "DEV"),
  SaltKeySet: (_e, v) => void delete v.LITELLM_SALT_KEY,
  MasterKeyStrong: (_e, v) => void (v.LITELLM_MASTER_KEY = "sk-short"),
  SecretsPresent: (_e, v) => void delete v.GEMINI_API_KEY,
  DatabaseUrlMatchesPostgres: (_e, v) => void (v.DATABASE_URL = "postgresql://litellm:wrong@postgres:5432/litellm"),
  MemoryForWorkers: (e) => void (e.spec.gateway.memory_limit = 1 * GiB),
  ShutdownCoversRequests: (e) => void (e.spec.gateway.graceful_shutdown_timeout = 30),
  HealthcheckTimeouts: (e) => void (e.spec.gateway.healthcheck.timeout = 3),
  MultiInstanceNeedsRedis: (e) => void ((e.spec.gateway.instances = 2), delete e.spec.redis, (e.spec.postgres.max_connections = 200)),
  DataServicesPrivate: (e) => void (e.spec.host.publish_address = "0.0.0.0"),
  ImagesPinned: (e) => void (e.spec.postgres.image = "postgres:latest"),
  ContainersHardened: (e) => void (e.spec.gateway.hardening.drop_capabilities = []),
  NoSharedHostResources: (e) => {
    const other = shipped("staging");
    other.spec.gateway.port = e.spec.gateway.port;
    return [e, other];
  },
};

function findingsOf(ruleId: string, envs: Environment[], vars: Record<string, string | undefined>) {
  return checkEnvironments(envs, vars).filter((f) => f.ruleId === ruleId && f.environment === envs[0]!.name);
}

describe("production rules", () => {
  it("every rule file is in the pack, and its id is its file name", () => {
    const files = readdirSync(new URL("../../lib/rules/", import.meta.url)).filter((f) => /^[A-Z]\w+\.ts$/.test(f)).map((f) => f.replace(/\.ts$/, ""));
    expect(RULES.map((r) => r.id).sort()).toEqual(files.sort());
    for (const r of RULES) expect(r.info.length > 20 && r.fix.length > 20, r.id).toBe(true);
  });

  it("has a non-compliant case for every rule", () => {
    expect(Object.keys(BREAK).sort()).toEqual(RULES.map((r) => r.id).sort());
  });

  for (const rule of RULES) {
    it(`${rule.id}: the shipped prod spec complies; the breaking change is found`, () => {
      const good = shipped("prod");
      expect(findingsOf(rule.id, [good], { ...TEST_VARS })).toEqual([]);
      const bad = shipped("prod");
      const vars: Record<string, string | undefined> = { ...TEST_VARS };
      const envs = BREAK[rule.id]!(bad, vars) ?? [bad];
      const found = findingsOf(rule.id, envs, vars);
      expect(found.length, `${rule.id} should fire`).toBeGreaterThan(0);
      for (const f of found) {
        expect(f.path).not.toBe("");
        expect(f.fix).toBe(rule.fix);
        for (const secret of Object.values(TEST_VARS)) expect(f.message).not.toContain(secret);
      }
    });
  }

  it("prints the connection arithmetic", () => {
    const env = shipped("prod");
    BREAK.DbConnectionBudget!(env, {});
    const [f] = findingsOf("DbConnectionBudget", [env], TEST_VARS);
    expect(f!.message).toBe("10 pool × 4 workers × 3 instances + 10 reserved = 130 > max_connections 100");
  });

  it("a suppression with a reason marks the finding and no longer fails; an unknown rule is an error", () => {
    const env = shipped("prod");
    env.spec.gateway.mode = "DEV";
    env.spec.suppressions = [{ rule: "ProductionMode", reason: "staging-like sandbox used for load tests only" }];
    const findings = checkEnvironments([env], TEST_VARS);
    expect(findings.find((f) => f.ruleId === "ProductionMode")!.suppressed).toMatch(/load tests/);
    expect(hasErrors(findings)).toBe(false);
    env.spec.suppressions.push({ rule: "NoSuchRule", reason: "a reason that is long enough" });
    expect(checkEnvironments([env], TEST_VARS).some((f) => f.ruleId === "SuppressionUnknownRule")).toBe(true);
  });

  it("the salt key lock refuses a different salt key", async () => {
    const { recordSaltKey } = await import("../../lib/spec/salt-lock.ts");
    const dir = mkdtempSync(join(tmpdir(), "gatekit-salt-"));
    const env = shipped("prod");
    env.file = join(dir, "prod.yaml");
    writeFileSync(env.file, "");
    recordSaltKey("prod", env.file, TEST_VARS.LITELLM_SALT_KEY!);
    expect(findingsOf("SaltKeySet", [env], TEST_VARS)).toEqual([]);
    const changed = findingsOf("SaltKeySet", [env], { ...TEST_VARS, LITELLM_SALT_KEY: "another-salt-key-entirely-0000" });
    expect(changed[0]!.message).toMatch(/does not match the fingerprint recorded/);
    expect(() => recordSaltKey("prod", env.file, "another-salt-key-entirely-0000")).toThrow(/--reason/);
    recordSaltKey("prod", env.file, "another-salt-key-entirely-0000", "rotated after the 2026 credential audit");
    expect(findingsOf("SaltKeySet", [env], { ...TEST_VARS, LITELLM_SALT_KEY: "another-salt-key-entirely-0000" })).toEqual([]);
  });

  it("every rule is a pure function: checking twice gives the same findings", () => {
    const ctx: RuleContext = { env: shipped("staging"), all: [shipped("staging")], vars: TEST_VARS };
    for (const r of RULES) expect(r.check(ctx)).toEqual(r.check(ctx));
  });
});
