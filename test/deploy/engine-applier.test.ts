// The engine applier behaves as the Docker provider does on the live engine, so what the engine refuses the
// provider also fails in CI: the old upload shape (a file uploaded into a read-only container, even into a
// volume at the file's folder) is refused by the engine itself; the config-volume shape the stacks use works;
// networks are attached as the provider attaches them; and an attribute whose refresh would differ is refused.
import { execa } from "execa";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO } from "../support/cli.ts";
import { ApplyFailed, applyDocument, destroyStack, EngineRefused, WouldDrift, type StackState } from "../support/engine-applier.ts";

type Json = Record<string, unknown>;

const IMAGE = "gatekit/debian:bookworm";
const prefix = `applier${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), "gatekit-applier-"));
const CONFIG = "# the config\nmodel_list: []\n";
const docker = (...args: string[]) => execa("docker", args, { reject: false });
const states: StackState[] = [];

/** A read-only service the way the stacks harden one, plus `extra`. */
const service = (name: string, extra: Json = {}): Json => ({
  name: `${prefix}-${name}`, image: IMAGE, command: ["sleep", "infinity"], read_only: true, memory: 64, memory_swap: 64,
  restart: "unless-stopped", capabilities: { drop: ["ALL"] }, security_opts: ["no-new-privileges:true"], tmpfs: { "/tmp": "rw,noexec,nosuid,size=8m" },
  ...extra,
});

async function apply(doc: Json): Promise<StackState> {
  try {
    const state = await applyDocument(doc, dir);
    states.push(state);
    return state;
  } catch (e) {
    if (e instanceof ApplyFailed) states.push(e.state);
    throw e;
  }
}

const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: ApplyFailed) => e);

beforeAll(async () => {
  const engine = await execa("bash", ["scripts/docker-engine.sh"], { cwd: REPO, reject: false });
  if (engine.exitCode !== 0) throw new Error(`no Docker engine: ${engine.stdout}${engine.stderr}`);
  const bases = await execa("bash", ["scripts/base-images.sh"], { cwd: REPO, reject: false });
  if (bases.exitCode !== 0) throw new Error(`no base image: ${bases.stdout}${bases.stderr}`);
}, 600_000);

afterAll(async () => {
  for (const s of states.reverse()) await destroyStack(s);
});

describe("the engine applier, as the provider", () => {
  it("refuses the old upload shape: a file uploaded into a read-only container, even with a volume at its folder", async () => {
    const old = service("old", { volumes: [{ container_path: "/app/config" }], upload: [{ file: "/app/config/config.yaml", content: CONFIG }] });
    const e = await failure(apply({ resource: { docker_container: { old } } }));
    expect(e).toBeInstanceOf(ApplyFailed);
    expect(e!.cause).toBeInstanceOf(EngineRefused);
    expect(e!.message).toContain("PUT /containers/");
    expect(e!.message).toContain("Error response from daemon: container rootfs is marked read-only");
    // Refused after the create, before the start, as the provider's apply is: the container exists, never ran.
    expect((await docker("inspect", "-f", "{{.State.Status}}", `${prefix}-old`)).stdout.trim()).toBe("created");
  }, 60_000);

  it("the stacks' shape works: a never-started loader receives the file in a volume the read-only service mounts read-only", async () => {
    const volume = { name: `${prefix}-config` };
    const loader = { name: `${prefix}-svc-config`, image: IMAGE, command: ["true"], start: false, must_run: false,
      volumes: [{ volume_name: "${docker_volume.config.name}", container_path: "/app/config" }], upload: [{ file: "/app/config/config.yaml", content: CONFIG }] };
    const svc = service("svc", {
      volumes: [{ volume_name: "${docker_volume.config.name}", container_path: "/app/config", read_only: true }],
      healthcheck: { test: ["CMD", "test", "-s", "/app/config/config.yaml"], interval: "1s", timeout: "5s", start_period: "0s", retries: 3 }, wait: true, wait_timeout: 60,
      depends_on: ["docker_container.loader"], lifecycle: { replace_triggered_by: ["docker_container.loader"] },
    });
    await apply({ resource: { docker_volume: { config: volume }, docker_container: { loader, svc } } });
    expect((await docker("exec", `${prefix}-svc`, "cat", "/app/config/config.yaml")).stdout + "\n").toBe(CONFIG);
    const write = await docker("exec", `${prefix}-svc`, "sh", "-c", "echo x > /app/config/config.yaml");
    expect(write.stderr).toContain("Read-only file system");
    expect((await docker("inspect", "-f", "{{.State.Status}}", `${prefix}-svc-config`)).stdout.trim()).toBe("created");
  }, 120_000);

  it("attaches networks as the provider does: off the default bridge, onto each network with its aliases", async () => {
    const net = { name: `${prefix}-net`, internal: true };
    const svc = service("net", { networks_advanced: [{ name: "${docker_network.net.name}", aliases: ["db"] }] });
    await apply({ resource: { docker_network: { net }, docker_container: { svc } } });
    const networks = JSON.parse((await docker("inspect", "-f", "{{json .NetworkSettings.Networks}}", `${prefix}-net`)).stdout) as Record<string, { Aliases: string[] }>;
    expect(Object.keys(networks)).toEqual([`${prefix}-net`]);
    expect(networks[`${prefix}-net`]!.Aliases).toContain("db");
  }, 60_000);

  it("refuses a container whose refresh would differ from the stack: memory without memory_swap (the engine doubles it)", async () => {
    const { memory_swap: _, ...unset } = service("swap");
    const e = await failure(apply({ resource: { docker_container: { swap: unset } } }));
    expect(e?.cause).toBeInstanceOf(WouldDrift);
    expect(e!.message).toContain("docker_container.swap: a plan right after this apply would not be empty");
    // Twice the memory where the host limits swap (here), -1 where it can't.
    expect(e!.message).toMatch(/memory_swap reads back as (128|-1), the stack leaves it unset/);
  }, 60_000);

  it("refuses a port published from a container on internal networks only: the engine publishes none", async () => {
    const internal = { name: `${prefix}-internal`, internal: true };
    const svc = service("unpublished", { networks_advanced: [{ name: "${docker_network.internal.name}", aliases: [] }], ports: [{ internal: 5432, external: 45432, ip: "127.0.0.1" }] });
    const e = await failure(apply({ resource: { docker_network: { internal }, docker_container: { svc } } }));
    expect(e?.cause).toBeInstanceOf(WouldDrift);
    expect(e!.message).toContain("ports: 127.0.0.1:45432->5432 reads back unpublished");
  }, 60_000);

  it("lifecycle.ignore_changes is honoured: the same container with memory_swap ignored is applied", async () => {
    const { memory_swap: _, ...unset } = service("ignored");
    await apply({ resource: { docker_container: { ignored: { ...unset, lifecycle: { ignore_changes: ["memory_swap"] } } } } });
    expect((await docker("inspect", "-f", "{{.State.Running}}", `${prefix}-ignored`)).stdout.trim()).toBe("true");
  }, 60_000);
});
