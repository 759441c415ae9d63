// Every production rule: the shipped prod and prod-k8s specs comply, and one targeted change breaks it — on the
// Docker spec, the Kubernetes spec, or both where a rule covers both targets.
import { readdirSync } from "node:fs";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Deployment } from "kubernetes-models/apps/v1";
import { buildManifests } from "../../lib/k8s/manifests.ts";
import { checkEnvironments, connectionBudget, hasErrors, RULES } from "../../lib/rules/index.ts";
import type { RuleContext } from "../../lib/rules/rule.ts";
import type { DockerEnvironment, Environment, KubernetesEnvironment } from "../../lib/spec/schema.ts";
import { shipped } from "../support/specs.ts";
import { TEST_VARS } from "../support/vars.ts";

type Breaker = (env: DockerEnvironment, vars: Record<string, string | undefined>) => Environment[] | void;
type K8sBreaker = (env: KubernetesEnvironment, vars: Record<string, string | undefined>) => void;

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
  LitellmFeaturesServed: (e) => void ((e.spec.litellm.model_list[0]!.litellm_params as Record<string, unknown>).tags = ["team-a"]),
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
  RedisMemoryHeadroom: (e) => void (e.spec.redis!.maxmemory = e.spec.redis!.memory_limit),
  SpendJournalDurable: (e) => void (e.spec.gateway.spend_journal.storage = "tmpfs"),
  NoSharedHostResources: (e) => {
    const other = shipped("staging");
    other.spec.gateway.port = e.spec.gateway.port;
    return [e, other];
  },
};

/** For the rules that check Kubernetes specs, a change to prod-k8s that must produce a finding. */
const BREAK_K8S: Record<string, K8sBreaker> = {
  DbConnectionBudget: (e) => void (e.spec.kubernetes.replicas.max = 20),
  MultiInstanceNeedsRedis: (e) => void ((e.spec.postgres.max_connections = 1000), delete e.spec.redis),
  ImagesPinned: (e) => void (e.spec.gateway.image = { build: "bundled", tag: "registry.example.com/platform/gatekit-gateway:latest" }),
  MasterKeyStrong: (_e, v) => void (v.LITELLM_MASTER_KEY = "sk-short"),
  ProductionMode: (e) => void (e.spec.gateway.mode = "DEV"),
  ProbeTimeouts: (e) => void (e.spec.gateway.healthcheck.timeout = 3),
  PdbForReplicas: (e) => void (e.spec.kubernetes.pod_disruption_budget.enabled = false),
  GuaranteedQos: (e) => void (e.spec.kubernetes.cpu_limit = false),
  SpreadConstraints: (e) => void (e.spec.kubernetes.spread.zones = false),
  NetworkPolicyPresent: (e) => void (e.spec.kubernetes.network_policies = false),
  PodSecurityEnforced: (e) => void (e.spec.kubernetes.pod_security.enforce = "baseline"),
  SpendJournalDurable: (e) => void (e.spec.gateway.spend_journal.storage = "tmpfs"),
};

/** Rules that describe one Docker host: they do not apply to a cluster and must stay silent there. */
const DOCKER_ONLY = ["WorkersMatchCpus", "NoSharedHostResources", "DataServicesPrivate", "HealthcheckTimeouts"];
const K8S_ONLY = ["ProbeTimeouts", "PdbForReplicas", "GuaranteedQos", "SpreadConstraints", "NetworkPolicyPresent", "PodSecurityEnforced"];

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
    expect([...new Set([...Object.keys(BREAK), ...Object.keys(BREAK_K8S)])].sort()).toEqual(RULES.map((r) => r.id).sort());
  });

  for (const [id, breakIt] of Object.entries(BREAK_K8S)) {
    it(`${id} (kubernetes): the shipped prod-k8s spec complies; the breaking change is found`, () => {
      expect(findingsOf(id, [shipped("prod-k8s")], { ...TEST_VARS })).toEqual([]);
      const bad = shipped("prod-k8s");
      const vars: Record<string, string | undefined> = { ...TEST_VARS };
      breakIt(bad, vars);
      const found = findingsOf(id, [bad], vars);
      expect(found.length, `${id} should fire on kubernetes`).toBeGreaterThan(0);
      for (const f of found) expect(f.path).not.toBe("");
    });
  }

  it("PodSecurityEnforced warns (not refuses) when the spec leaves the namespace's labels to the cluster", () => {
    const env = shipped("prod-k8s");
    env.spec.kubernetes.pod_security.managed = false;
    const found = findingsOf("PodSecurityEnforced", [env], { ...TEST_VARS });
    expect(found.map((f) => [f.severity, f.path])).toEqual([["warning", "kubernetes.pod_security.managed"]]);
    expect(found[0]!.message).toContain("gatekit-prod");
  });

  it("docker-only rules stay silent on a kubernetes spec, and kubernetes-only rules on a docker spec", () => {
    const k8s = shipped("prod-k8s");
    k8s.spec.gateway.num_workers = 64; // no host.cpus to exceed: WorkersMatchCpus has nothing to say
    k8s.spec.kubernetes.replicas = { min: 1, max: 1 };
    k8s.spec.postgres.max_connections = 1000;
    const silent = (envs: Environment[], ids: string[]) => checkEnvironments(envs, TEST_VARS).filter((f) => ids.includes(f.ruleId));
    expect(silent([k8s], DOCKER_ONLY)).toEqual([]);
    const docker = shipped("prod");
    docker.spec.gateway.instances = 3; // several instances, and no PDB, spread or NetworkPolicy exists on Docker
    docker.spec.postgres.max_connections = 200;
    expect(silent([docker], K8S_ONLY)).toEqual([]);
  });

  it("kubernetes secrets live in the cluster: unset variables are no finding there, but a weak key that is given still is", () => {
    const none = findingsOf("SecretsPresent", [shipped("prod-k8s")], {});
    expect(none).toEqual([]);
    expect(checkEnvironments([shipped("prod-k8s")], {}).filter((f) => f.severity === "error")).toEqual([]);
    expect(findingsOf("MasterKeyStrong", [shipped("prod-k8s")], { LITELLM_MASTER_KEY: "not-an-sk-key" }).length).toBe(1);
  });

  it("the HPA arithmetic: pool × workers × (max replicas + surge) + reserved, refused when it exceeds max_connections", () => {
    const env = shipped("prod-k8s");
    BREAK_K8S.DbConnectionBudget!(env, {});
    const [f] = findingsOf("DbConnectionBudget", [env], TEST_VARS);
    expect(f!.message).toBe("10 pool × 4 workers × (20 replicas (HPA max) + 1 rolling-update surge) + 10 reserved = 850 > max_connections 500");
    expect(findingsOf("DbConnectionBudget", [shipped("prod-k8s")], TEST_VARS)).toEqual([]);
  });

  it("the rolling update's surge pod counts: a database sized for exactly the HPA maximum is refused", () => {
    const env = shipped("prod-k8s");
    env.spec.postgres.max_connections = 10 * 4 * 10 + 10; // 410: enough for 10 pods, not for the 11th a rollout adds
    expect(findingsOf("DbConnectionBudget", [env], TEST_VARS)[0]!.message).toMatch(/= 450 > max_connections 410$/);
    env.spec.postgres.max_connections = 450;
    expect(findingsOf("DbConnectionBudget", [env], TEST_VARS)).toEqual([]);
    // The Deployment surges by exactly the amount the budget counts.
    const deployment = buildManifests(env).find((o) => o.kind === "Deployment") as Deployment;
    expect(deployment.spec!.strategy!.rollingUpdate!.maxSurge).toBe(connectionBudget(env.spec).surge);
  });

  for (const rule of RULES) {
    it(`${rule.id}: the shipped prod spec complies; the breaking change is found`, () => {
      const good = shipped("prod");
      expect(findingsOf(rule.id, [good], { ...TEST_VARS })).toEqual([]);
      if (!BREAK[rule.id]) return void expect(K8S_ONLY).toContain(rule.id);
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

  it("WorkersMatchCpus counts every instance's workers: 2 × 2 on 4 CPUs fits, 2 × 4 does not", () => {
    const env = shipped("prod");
    env.spec.gateway.instances = 2;
    env.spec.gateway.num_workers = 2;
    expect(findingsOf("WorkersMatchCpus", [env], TEST_VARS)).toEqual([]);
    env.spec.gateway.num_workers = 4;
    const [f] = findingsOf("WorkersMatchCpus", [env], TEST_VARS);
    expect(f).toMatchObject({ path: "gateway.num_workers", message: "4 workers × 2 instances = 8 workers on 4 CPUs" });
  });

  it("MemoryForWorkers counts the load balancer (instances > 1) and Prometheus (when configured)", () => {
    const MiB = 1024 ** 2;
    const env = shipped("prod");
    // 2 × 3 GiB + postgres 1 GiB + redis: exactly what fits beside the balancer on 8 GiB, before Prometheus.
    env.spec.gateway.instances = 2;
    env.spec.gateway.memory_limit = 3 * GiB;
    env.spec.host.memory = 6 * GiB + env.spec.postgres.memory_limit + env.spec.redis!.memory_limit;
    const withoutLb = findingsOf("MemoryForWorkers", [env], TEST_VARS);
    expect(withoutLb.map((f) => f.message).join()).toMatch(/load balancer 0\.25 GiB/);
    env.spec.host.memory += env.spec.load_balancer.memory_limit;
    expect(findingsOf("MemoryForWorkers", [env], TEST_VARS)).toEqual([]);
    env.spec.monitoring.prometheus = { image: "prom/prometheus:v2.53.0", port: 9090, retention: "15d", memory_limit: 512 * MiB };
    const [f] = findingsOf("MemoryForWorkers", [env], TEST_VARS);
    expect(f).toMatchObject({ path: "host.memory", message: expect.stringMatching(/gateway 2 × 3\.00 GiB \+ postgres .* \+ load balancer 0\.25 GiB \+ prometheus 0\.50 GiB\) > host memory/) });
  });

  it("ContainersHardened refuses uid 0 and root in any form, and accepts non-root users", () => {
    for (const user of ["0", "0:0", "root", "root:root", "0:1000", "00"]) {
      const env = shipped("prod");
      env.spec.gateway.hardening.user = user;
      const [f] = findingsOf("ContainersHardened", [env], TEST_VARS);
      expect(f, user).toMatchObject({ path: "gateway.hardening.user", message: expect.stringMatching(/runs as root \(uid 0\); allowed: a non-root/) });
    }
    for (const user of ["10001", "10001:10001", "1000:0", "node", "999:999"]) {
      const env = shipped("prod");
      env.spec.postgres.hardening.user = user;
      expect(findingsOf("ContainersHardened", [env], TEST_VARS), user).toEqual([]);
    }
  });

  it("RedisMemoryHeadroom: 75% of the limit with persistence, 90% without; a managed Redis is not ours to size", () => {
    const MiB = 1024 ** 2;
    const env = shipped("prod");
    env.spec.redis!.memory_limit = 1024 * MiB;
    env.spec.redis!.maxmemory = 768 * MiB;
    expect(findingsOf("RedisMemoryHeadroom", [env], TEST_VARS)).toEqual([]);
    env.spec.redis!.maxmemory = 769 * MiB;
    expect(findingsOf("RedisMemoryHeadroom", [env], TEST_VARS)[0]).toMatchObject({
      path: "redis.maxmemory", message: "maxmemory 769 MiB > 75% of memory_limit 1024 MiB (768 MiB): persistence rdb forks Redis",
    });
    env.spec.redis!.persistence = "aof";
    expect(findingsOf("RedisMemoryHeadroom", [env], TEST_VARS)[0]!.message).toMatch(/persistence aof forks Redis/);
    env.spec.redis!.persistence = "none";
    expect(findingsOf("RedisMemoryHeadroom", [env], TEST_VARS)).toEqual([]);
    env.spec.redis!.maxmemory = 1024 * MiB;
    expect(findingsOf("RedisMemoryHeadroom", [env], TEST_VARS)[0]!.message).toMatch(/> 90% of memory_limit/);
    // In the cluster: an in-cluster StatefulSet is checked, a managed service is not.
    const k8s = shipped("prod-k8s");
    k8s.spec.redis!.maxmemory = k8s.spec.redis!.memory_limit;
    expect(findingsOf("RedisMemoryHeadroom", [k8s], TEST_VARS)).toEqual([]);
    k8s.spec.kubernetes.redis = { mode: "statefulset", storage: "1Gi" };
    expect(findingsOf("RedisMemoryHeadroom", [k8s], TEST_VARS).length).toBe(1);
  });

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
