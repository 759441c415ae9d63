// A stand-in for `terraform apply` of a synthesized stack, for tests on this machine, where Terraform's
// registry is unreachable and the Docker provider can't be installed. It creates each docker_* resource of
// cdk.tf.json through the Docker CLI, in dependency order (independent ones at once), with the same settings —
// and refuses any resource type, attribute or expression it does not map, so it can never silently differ
// from what the provider would do. Re-applying replaces exactly the resources whose settings changed and
// removes the ones that are gone; destroy removes everything it created (named volumes a container merely
// mounts, like a retained Postgres volume, stay — as with the provider).
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { execa } from "execa";

type Json = Record<string, unknown>;

interface Resource {
  address: string;
  type: string;
  body: Json;
  deps: string[];
}

interface Applied {
  hash: string;
  attrs: Record<string, string>;
  body: Json;
}

/** What an apply left on the engine, by Terraform address; pass it to the next apply or to destroy. */
export interface StackState {
  resources: Map<string, Applied>;
}

export class UnsupportedConfig extends Error {}

const REF = /\b(docker_[a-z_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)\b/g;

export async function applyStack(stackFile: string, vars: Record<string, string>, previous?: StackState): Promise<StackState> {
  const doc = JSON.parse(readFileSync(stackFile, "utf8")) as Json;
  const applier = new Applier(dirname(resolve(stackFile)), vars, previous);
  return applier.apply(readResources(doc));
}

export async function destroyStack(state: StackState): Promise<void> {
  const order = [...state.resources.keys()].reverse();
  for (const address of order) {
    await destroyResource(address, state.resources.get(address)!);
    state.resources.delete(address);
  }
}

function readResources(doc: Json): Resource[] {
  for (const key of Object.keys(doc)) {
    if (!["//", "output", "provider", "resource", "terraform", "variable"].includes(key)) throw new UnsupportedConfig(`top-level block "${key}" is not mapped`);
  }
  if (doc.data) throw new UnsupportedConfig("data sources are not mapped");
  const out: Resource[] = [];
  for (const [type, byName] of Object.entries((doc.resource ?? {}) as Record<string, Record<string, Json>>)) {
    if (!MAPPERS[type]) throw new UnsupportedConfig(`resource type ${type} is not mapped`);
    for (const [name, body] of Object.entries(byName)) {
      const address = `${type}.${name}`;
      const refs = [...JSON.stringify(body).matchAll(REF)].map((m) => `${m[1]}.${m[2]}`);
      const deps = [...new Set([...refs, ...((body.depends_on as string[] | undefined) ?? [])])].filter((d) => d !== address);
      out.push({ address, type, body, deps });
    }
  }
  return out;
}

class Applier {
  private readonly state: StackState = { resources: new Map() };

  constructor(private readonly moduleDir: string, private readonly vars: Record<string, string>, private readonly previous?: StackState) {}

  async apply(resources: Resource[]): Promise<StackState> {
    const wanted = new Set(resources.map((r) => r.address));
    // Gone from the configuration: destroyed first, dependents before what they depend on.
    for (const [address, applied] of [...(this.previous?.resources ?? new Map<string, Applied>())].reverse()) {
      if (!wanted.has(address)) await destroyResource(address, applied);
    }
    const done = new Set<string>();
    let pending = resources;
    while (pending.length) {
      const ready = pending.filter((r) => r.deps.every((d) => done.has(d) || !wanted.has(d)));
      if (!ready.length) throw new UnsupportedConfig(`dependency cycle among ${pending.map((r) => r.address).join(", ")}`);
      await Promise.all(ready.map((r) => this.applyOne(r)));
      for (const r of ready) done.add(r.address);
      pending = pending.filter((r) => !done.has(r.address));
    }
    return this.state;
  }

  private async applyOne(r: Resource): Promise<void> {
    const body = this.evaluate(withoutMeta(r.body)) as Json;
    const hash = createHash("sha256").update(JSON.stringify(body)).digest("hex");
    const before = this.previous?.resources.get(r.address);
    if (before?.hash === hash) {
      this.state.resources.set(r.address, before);
      return;
    }
    if (before) await destroyResource(r.address, before);
    const attrs = await MAPPERS[r.type]!.create(body, this.moduleDir);
    this.state.resources.set(r.address, { hash, attrs, body });
  }

  /** Terraform expressions the stacks use: variables, references to other resources, and a few functions. */
  private evaluate(value: unknown): unknown {
    if (typeof value === "string") return value.replace(/\$\{([^}]+)\}/g, (_, expr: string) => this.expression(expr.trim()));
    if (Array.isArray(value)) return value.map((v) => this.evaluate(v));
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.evaluate(v)]));
    return value;
  }

  private expression(expr: string): string {
    const call = /^(\w+)\((.*)\)$/.exec(expr);
    if (call) {
      const arg = this.expression(call[2]!.trim());
      if (call[1] === "urlencode") return encodeURIComponent(arg);
      if (call[1] === "sha256") return createHash("sha256").update(arg).digest("hex");
      if (call[1] === "nonsensitive") return arg;
      throw new UnsupportedConfig(`function ${call[1]}() is not mapped`);
    }
    if (expr === "path.module") return this.moduleDir;
    const variable = /^var\.(\w+)$/.exec(expr);
    if (variable) {
      const v = this.vars[variable[1]!];
      if (v === undefined) throw new UnsupportedConfig(`variable ${variable[1]} has no value`);
      return v;
    }
    const ref = /^(docker_[a-z_]+\.[A-Za-z0-9_-]+)\.([a-z_]+)$/.exec(expr);
    if (ref) {
      const value = this.state.resources.get(ref[1]!)?.attrs[ref[2]!];
      if (value === undefined) throw new UnsupportedConfig(`reference ${expr} is not known`);
      return value;
    }
    throw new UnsupportedConfig(`expression \${${expr}} is not mapped`);
  }
}

const withoutMeta = (body: Json) => Object.fromEntries(Object.entries(body).filter(([k]) => k !== "//" && k !== "depends_on"));

/** Refuses attributes a mapper does not know. */
function only(type: string, body: Json, known: string[]): void {
  const unknown = Object.keys(body).filter((k) => !known.includes(k));
  if (unknown.length) throw new UnsupportedConfig(`${type}: attribute(s) ${unknown.join(", ")} are not mapped`);
}

interface Mapper {
  create(body: Json, moduleDir: string): Promise<Record<string, string>>;
}

const docker = (args: string[], input?: string) => execa("docker", args, { input });

const MAPPERS: Record<string, Mapper> = {
  docker_image: {
    async create(body, moduleDir) {
      only("docker_image", body, ["name", "keep_locally", "build"]);
      const name = String(body.name);
      if (body.build) await buildImage(body.build as Json, moduleDir);
      else if ((await execa("docker", ["image", "inspect", name], { reject: false })).exitCode !== 0) {
        const pulled = await execa("docker", ["pull", name], { reject: false });
        if (pulled.exitCode !== 0) throw new Error(`docker_image: ${name} is not on the engine and can't be pulled: ${pulled.stderr.split("\n")[0]}`);
      }
      const id = (await docker(["image", "inspect", "-f", "{{.Id}}", name])).stdout.trim();
      return { name, image_id: id, keep_locally: String(body.keep_locally === true) };
    },
  },
  docker_network: {
    async create(body) {
      only("docker_network", body, ["name", "internal", "check_duplicate", "driver"]);
      const args = ["network", "create", ...(body.internal ? ["--internal"] : []), ...(body.driver ? ["--driver", String(body.driver)] : []), String(body.name)];
      const id = (await docker(args)).stdout.trim();
      return { name: String(body.name), id };
    },
  },
  docker_volume: {
    async create(body) {
      only("docker_volume", body, ["name"]);
      await docker(["volume", "create", String(body.name)]);
      return { name: String(body.name), id: String(body.name) };
    },
  },
  docker_container: { create: createContainer },
};

async function buildImage(build: Json, moduleDir: string): Promise<void> {
  only("docker_image.build", build, ["context", "dockerfile", "build_args", "tag"]);
  const context = resolve(moduleDir, String(build.context));
  const args = ["build", "-q", "--network=host", "-f", join(context, String(build.dockerfile))];
  for (const [k, v] of Object.entries((build.build_args ?? {}) as Record<string, string>)) args.push("--build-arg", `${k}=${v}`);
  for (const tag of (build.tag ?? []) as string[]) args.push("-t", tag);
  await docker([...args, context]);
}

const CONTAINER_ATTRIBUTES = [
  "name", "image", "command", "env", "ports", "healthcheck", "memory", "must_run", "networks_advanced", "read_only", "restart",
  "security_opts", "capabilities", "stop_timeout", "destroy_grace_seconds", "tmpfs", "upload", "volumes", "user", "wait", "wait_timeout",
];

async function createContainer(body: Json): Promise<Record<string, string>> {
  only("docker_container", body, CONTAINER_ATTRIBUTES);
  const name = String(body.name);
  const work = mkdtempSync(join(tmpdir(), "gatekit-apply-"));
  try {
    // Values (secrets among them) go through a 0600 file, not the command line other processes can read.
    const envFile = join(work, "env");
    writeFileSync(envFile, ((body.env ?? []) as string[]).join("\n") + "\n", { mode: 0o600 });
    const [first, ...otherNetworks] = (body.networks_advanced ?? []) as Json[];
    const args = ["create", "--name", name, "--env-file", envFile, ...runFlags(body), ...networkFlags(first)];
    await docker([...args, String(body.image), ...((body.command ?? []) as string[])]);
    for (const net of otherNetworks) {
      only("networks_advanced", net, ["name", "aliases"]);
      await docker(["network", "connect", ...((net.aliases ?? []) as string[]).flatMap((a) => ["--alias", a]), String(net.name), name]);
    }
    for (const [i, file] of ((body.upload ?? []) as Json[]).entries()) {
      only("upload", file, ["file", "content"]);
      const local = join(work, `upload-${i}`);
      writeFileSync(local, String(file.content));
      await docker(["cp", local, `${name}:${file.file}`]);
    }
    if (body.must_run !== false) await docker(["start", name]);
    if (body.wait === true) await waitHealthy(name, Number(body.wait_timeout ?? 60));
    const id = (await docker(["inspect", "-f", "{{.Id}}", name])).stdout.trim();
    return { name, id, destroy_grace_seconds: String(body.destroy_grace_seconds ?? 0) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function runFlags(body: Json): string[] {
  const flags: string[] = [];
  for (const p of (body.ports ?? []) as Json[]) {
    only("ports", p, ["internal", "external", "ip", "protocol"]);
    flags.push("-p", `${p.ip ? `${p.ip}:` : ""}${p.external ?? ""}:${p.internal}/${p.protocol ?? "tcp"}`);
  }
  const h = body.healthcheck as Json | undefined;
  if (h) {
    only("healthcheck", h, ["test", "interval", "timeout", "start_period", "retries"]);
    flags.push("--health-cmd", healthCommand(h.test as string[]));
    for (const k of ["interval", "timeout", "start_period", "retries"] as const) if (h[k] !== undefined) flags.push(`--health-${k.replace("_", "-")}`, String(h[k]));
  }
  if (body.memory !== undefined) flags.push("--memory", `${body.memory}m`);
  if (body.read_only) flags.push("--read-only");
  if (body.restart) flags.push("--restart", String(body.restart));
  for (const opt of (body.security_opts ?? []) as string[]) flags.push("--security-opt", opt);
  const caps = (body.capabilities ?? {}) as Json;
  only("capabilities", caps, ["add", "drop"]);
  for (const c of (caps.drop ?? []) as string[]) flags.push("--cap-drop", c);
  for (const c of (caps.add ?? []) as string[]) flags.push("--cap-add", c);
  if (body.stop_timeout !== undefined) flags.push("--stop-timeout", String(body.stop_timeout));
  for (const [path, opts] of Object.entries((body.tmpfs ?? {}) as Record<string, string>)) flags.push("--tmpfs", `${path}:${opts}`);
  for (const v of (body.volumes ?? []) as Json[]) {
    only("volumes", v, ["container_path", "volume_name", "read_only"]);
    flags.push("-v", `${v.volume_name ? `${v.volume_name}:` : ""}${v.container_path}${v.read_only ? ":ro" : ""}`);
  }
  if (body.user) flags.push("--user", String(body.user));
  return flags;
}

function networkFlags(net: Json | undefined): string[] {
  if (!net) return [];
  only("networks_advanced", net, ["name", "aliases"]);
  return ["--network", String(net.name), ...((net.aliases ?? []) as string[]).flatMap((a) => ["--network-alias", a])];
}

/**
 * Docker's CLI takes a health command as a shell string (CMD-SHELL); an exec-form test (CMD …) becomes the
 * same command, quoted word by word.
 */
function healthCommand(test: string[]): string {
  const [form, ...rest] = test;
  if (form === "CMD-SHELL") return rest.join(" ");
  if (form === "CMD") return rest.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(" ");
  throw new UnsupportedConfig(`healthcheck test form ${form} is not mapped`);
}

/** What `wait = true` means to the provider: the container is created only once its health check passes. */
async function waitHealthy(name: string, timeoutSeconds: number): Promise<void> {
  const until = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const status = (await docker(["inspect", "-f", "{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}", name])).stdout.trim();
    if (status === "healthy" || status === "running") return;
    if (status === "unhealthy" || status === "exited" || Date.now() > until) {
      const logs = await execa("docker", ["logs", "--tail", "20", name], { reject: false, all: true });
      throw new Error(`docker_container ${name}: ${status} after ${timeoutSeconds} s\n${logs.all ?? ""}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function destroyResource(address: string, applied: Applied): Promise<void> {
  const type = address.slice(0, address.indexOf("."));
  const { attrs } = applied;
  if (type === "docker_container") {
    await execa("docker", ["stop", "-t", attrs.destroy_grace_seconds ?? "10", attrs.name!], { reject: false });
    await execa("docker", ["rm", "-f", "-v", attrs.name!], { reject: false });
  } else if (type === "docker_network") await execa("docker", ["network", "rm", attrs.name!], { reject: false });
  else if (type === "docker_volume") await execa("docker", ["volume", "rm", attrs.name!], { reject: false });
  else if (type === "docker_image" && attrs.keep_locally !== "true") await execa("docker", ["rmi", attrs.name!], { reject: false });
}
