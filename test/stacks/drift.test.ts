// Plans settle: every shipped stack, synthesized as `gatekit synth` writes it, sets the attributes the Docker
// provider (kreuzwerker/docker 3.6.2) reads back from the engine to what the engine keeps, and never asks the
// engine for what it refuses. Each case below is one that was seen with the real provider (docs/real-applies.md).
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { synthesize } from "../../lib/infra/app.ts";
import { shippedStacks } from "../support/stacks.ts";
import { TEST_VARS } from "../support/vars.ts";

type Json = Record<string, any>;

const out = mkdtempSync(join(tmpdir(), "gatekit-drift-"));
const stacks = shippedStacks().map((env) => {
  synthesize([env], { outdir: join(out, env.name), vars: TEST_VARS, all: [env] });
  return { env, json: JSON.parse(readFileSync(join(out, env.name, "stacks", env.name, "cdk.tf.json"), "utf8")) as Json };
});

describe.each(stacks.map((s) => [s.env.name, s] as const))("stack %s", (_name, { env, json }) => {
  const containers = Object.entries(json.resource.docker_container as Record<string, Json>);
  const running = containers.filter(([, c]) => c.start !== false);

  it("sets memory_swap to the memory limit wherever it sets one (unset, the engine doubles it and every plan shows `memory_swap -> null`)", () => {
    for (const [key, c] of containers.filter(([, c]) => c.memory !== undefined)) expect(c.memory_swap, key).toBe(c.memory);
  });

  it("uploads into no read-only container: the provider uploads to `/`, which the engine refuses on a read-only root", () => {
    for (const [key, c] of running) if (c.read_only) expect(c.upload, key).toBeUndefined();
    expect(running.filter(([, c]) => c.read_only).length).toBeGreaterThan(0);
  });

  it("gives each service's files to a loader that is never started, in a volume the service mounts read-only and is replaced with", () => {
    const services = env.spec.gateway.instances + (env.spec.gateway.instances > 1 ? 1 : 0) + (env.spec.monitoring.prometheus ? 1 : 0);
    const loaders = containers.filter(([, c]) => c.upload);
    expect(loaders.length).toBe(services);
    for (const [key, loader] of loaders) {
      expect(loader).toMatchObject({ start: false, must_run: false });
      const service = key.replace(/_config$/, "");
      const c = json.resource.docker_container[service];
      expect(c.read_only, service).toBe(true);
      const folder = loader.upload[0].file.replace(/\/[^/]+$/, "");
      expect(loader.volumes).toEqual([{ volume_name: `\${docker_volume.volume_${service}_config.name}`, container_path: folder }]);
      expect(c.volumes).toContainEqual({ volume_name: `\${docker_volume.volume_${service}_config.name}`, container_path: folder, read_only: true });
      expect(c.lifecycle.replace_triggered_by).toEqual([`docker_container.${key}`]);
      expect(json.resource.docker_volume[`volume_${service}_config`].name).toBe(`${c.name}-config`);
    }
  });

  it("publishes ports only from containers on a network that is not internal (the engine publishes none from internal ones)", () => {
    const networks = Object.values(json.resource.docker_network as Record<string, Json>);
    const internal = new Set(networks.filter((n) => n.internal).map((n) => n.name));
    for (const [key, c] of running.filter(([, c]) => c.ports?.length)) {
      expect((c.networks_advanced as Json[]).some((n) => !internal.has(n.name)), key).toBe(true);
    }
  });

  it("waits only on containers with a health check, and keeps must_run only on containers it starts", () => {
    for (const [key, c] of running) {
      if (c.wait) expect(c.healthcheck?.test?.length, key).toBeGreaterThan(0);
      expect(c.must_run, key).not.toBe(false);
    }
  });
});
