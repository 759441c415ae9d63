// Stacks on the live engine for tests and benchmarks: the dev environment renamed (nothing clashes with a real
// dev stack), on free ports, with quick probes and spend batches; synthesized as `gatekit synth` does, applied
// and destroyed by the engine applier.
import { join } from "node:path";
import { synthesize } from "../../lib/infra/app.ts";
import { tfVarName } from "../../lib/infra/secrets.ts";
import { loadEnvironment } from "../../lib/spec/load.ts";
import type { DockerEnvironment } from "../../lib/spec/schema.ts";
import { freePort } from "./ports.ts";
import { TEST_VARS } from "./vars.ts";

/** The secrets as Terraform inputs (TF_VAR_ names). */
export const TF_VARS = Object.fromEntries(Object.entries(TEST_VARS).map(([k, v]) => [tfVarName(k), v]));

export async function devVariant(name: string, instances: number, opts: { prometheus?: boolean } = {}): Promise<DockerEnvironment> {
  const env = loadEnvironment("dev") as DockerEnvironment;
  env.name = name;
  const { spec } = env;
  [spec.gateway.port, spec.gateway.health_port] = [await freePort(), await freePort()];
  spec.gateway.healthcheck = { ...spec.gateway.healthcheck, interval: 2, start_period: 30 };
  spec.networks = { public: `gatekit-${name}-public`, internal: `gatekit-${name}-internal` };
  spec.postgres.volume = `gatekit-${name}-pgdata`;
  spec.litellm.general_settings.proxy_batch_write_at = 2;
  return scaledOut(env, instances, { ...opts, prometheusPort: opts.prometheus ? await freePort() : undefined });
}

/**
 * `instances` gateway instances behind the balancer, and Prometheus when asked: every instance's workers and
 * memory on the one host (WorkersMatchCpus, MemoryForWorkers), and Redis for the router (MultiInstanceNeedsRedis).
 */
export function scaledOut(env: DockerEnvironment, instances: number, opts: { prometheus?: boolean; prometheusPort?: number } = {}): DockerEnvironment {
  const { spec, name } = env;
  spec.gateway.instances = instances;
  if (instances > 1) {
    spec.host.memory *= instances;
    spec.host.cpus *= instances;
    Object.assign(spec.litellm.router_settings, { redis_host: "redis", redis_port: 6379, redis_password: "os.environ/REDIS_PASSWORD" });
  }
  if (opts.prometheus) {
    spec.monitoring = { prometheus: { image: "prom/prometheus:v2.53.0", port: opts.prometheusPort ?? 9090, retention: "1d", volume: `gatekit-${name}-prometheus`, memory_limit: 256 * 1024 ** 2 } };
  }
  return env;
}

/**
 * Every stack gatekit ships, by name: the three environments, and dev scaled out to two instances behind the
 * balancer with Prometheus on (the README's "several instances" and "monitoring").
 */
export function shippedStacks(): DockerEnvironment[] {
  const ha = loadEnvironment("dev") as DockerEnvironment;
  ha.name = "dev-ha";
  Object.assign(ha.spec, { networks: { public: "gatekit-dev-ha-public", internal: "gatekit-dev-ha-internal" } });
  ha.spec.postgres.volume = "gatekit-dev-ha-pgdata";
  ha.spec.gateway.port += 10;
  ha.spec.gateway.health_port += 10;
  return [...(["dev", "staging", "prod"] as const).map((n) => loadEnvironment(n) as DockerEnvironment), scaledOut(ha, 2, { prometheus: true, prometheusPort: 9390 })];
}

/** Synthesizes the environment's stack under `outdir`; the path of its cdk.tf.json. */
export function synthStack(env: DockerEnvironment, outdir: string): string {
  synthesize([env], { outdir: join(outdir, env.name), vars: TEST_VARS, all: [env] });
  return join(outdir, env.name, "stacks", env.name, "cdk.tf.json");
}
