// A stand-in for `terraform apply` of a synthesized stack, for tests on machines where Terraform can't install
// the Docker provider. It creates each docker_* resource of cdk.tf.json in dependency order (independent ones at
// once) and refuses any resource type, attribute or expression it does not map, so it can never silently differ
// from what the provider would do.
//
// Containers go through the Engine API with the calls kreuzwerker/docker 3.6.2 makes, in its order and with its
// arguments (internal/provider/resource_docker_container_funcs.go): create (on the default network), off `bridge`
// and onto each of networks_advanced, each upload as its own tar archive PUT to `/` with the file's whole path
// inside, start, then poll until healthy (`wait`). So whatever the engine refuses the provider fails in CI too.
// After the apply, each container is read back as the provider's refresh reads it: an attribute the stack leaves
// unset (or sets otherwise) that would read back different is refused — a plan after the apply would not be empty.
//
// Re-applying replaces exactly the resources whose settings changed (and those whose replace_triggered_by did)
// and removes the ones that are gone; destroy removes everything it created (named volumes a container merely
// mounts, like a retained Postgres volume, stay — as with the provider).
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { dirname, join, resolve } from "node:path";
import { execa } from "execa";

type Json = Record<string, unknown>;

interface Resource {
  address: string;
  type: string;
  body: Json;
  deps: string[];
  /** lifecycle.replace_triggered_by: addresses whose replacement replaces this one. */
  triggers: string[];
  /** lifecycle.ignore_changes: attributes a refresh may find changed. */
  ignored: string[];
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

/** The engine refused a call: the provider's apply fails the same way. */
export class EngineRefused extends Error {}

/** A refresh right after the apply would find an attribute changed: the stack's plan would not settle. */
export class WouldDrift extends Error {}

/** Thrown by applyStack: the cause, and what was created before it (pass it to destroyStack). */
export class ApplyFailed extends Error {
  constructor(cause: Error, readonly state: StackState) {
    super(cause.message, { cause });
  }
}

const REF = /\b(docker_[a-z_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)\b/g;

export async function applyStack(stackFile: string, vars: Record<string, string>, previous?: StackState): Promise<StackState> {
  const doc = JSON.parse(readFileSync(stackFile, "utf8")) as Json;
  return applyDocument(doc, dirname(resolve(stackFile)), vars, previous);
}

/** Applies a cdk.tf.json document already read (tests that write one by hand). */
export async function applyDocument(doc: Json, moduleDir: string, vars: Record<string, string> = {}, previous?: StackState): Promise<StackState> {
  const applier = new Applier(moduleDir, vars, previous);
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
  const out: Resource[] = [];
  for (const [type, byName] of Object.entries((doc.resource ?? {}) as Record<string, Record<string, Json>>)) {
    if (!MAPPERS[type]) throw new UnsupportedConfig(`resource type ${type} is not mapped`);
    for (const [name, body] of Object.entries(byName)) {
      const address = `${type}.${name}`;
      const lifecycle = (body.lifecycle ?? {}) as Json;
      only(`${address}.lifecycle`, lifecycle, ["replace_triggered_by", "ignore_changes"]);
      const triggers = ((lifecycle.replace_triggered_by ?? []) as string[]).map((t) => t.replace(/^\$\{(.*)\}$/, "$1"));
      const refs = [...JSON.stringify(body).matchAll(REF)].map((m) => `${m[1]}.${m[2]}`);
      const deps = [...new Set([...refs, ...triggers, ...((body.depends_on as string[] | undefined) ?? [])])].filter((d) => d !== address);
      out.push({ address, type, body, deps, triggers, ignored: (lifecycle.ignore_changes ?? []) as string[] });
    }
  }
  return out;
}

class Applier {
  private readonly state: StackState = { resources: new Map() };
  /** Addresses this apply created anew in place of an earlier version. */
  private readonly replaced = new Set<string>();

  constructor(private readonly moduleDir: string, private readonly vars: Record<string, string>, private readonly previous?: StackState) {}

  async apply(resources: Resource[]): Promise<StackState> {
    try {
      return await this.applyAll(resources);
    } catch (e) {
      throw new ApplyFailed(e as Error, this.state);
    }
  }

  private async applyAll(resources: Resource[]): Promise<StackState> {
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
    if (before?.hash === hash && !r.triggers.some((t) => this.replaced.has(t))) {
      this.state.resources.set(r.address, before);
      return;
    }
    if (before) {
      await destroyResource(r.address, before);
      this.replaced.add(r.address);
    }
    const created = (attrs: Record<string, string>) => void this.state.resources.set(r.address, { hash, attrs, body });
    created(await MAPPERS[r.type]!.create(body, { moduleDir: this.moduleDir, address: r.address, ignored: r.ignored, created }));
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

const withoutMeta = (body: Json) => Object.fromEntries(Object.entries(body).filter(([k]) => !["//", "depends_on", "lifecycle"].includes(k)));

/** Refuses attributes a mapper does not know. */
function only(type: string, body: Json, known: string[]): void {
  const unknown = Object.keys(body).filter((k) => !known.includes(k));
  if (unknown.length) throw new UnsupportedConfig(`${type}: attribute(s) ${unknown.join(", ")} are not mapped`);
}

interface Context {
  moduleDir: string;
  address: string;
  ignored: string[];
  /** Records what exists on the engine before a later step fails, so that a destroy removes it (as Terraform taints it). */
  created(attrs: Record<string, string>): void;
}

interface Mapper {
  create(body: Json, ctx: Context): Promise<Record<string, string>>;
}

const docker = (args: string[], input?: string) => execa("docker", args, { input });

const MAPPERS: Record<string, Mapper> = {
  docker_image: {
    async create(body, { moduleDir }) {
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

// ---- Containers, through the Engine API as the provider calls it ----

const CONTAINER_ATTRIBUTES = [
  "name", "image", "command", "env", "ports", "healthcheck", "memory", "memory_swap", "must_run", "start", "networks_advanced", "read_only",
  "restart", "security_opts", "capabilities", "stop_timeout", "destroy_grace_seconds", "tmpfs", "upload", "volumes", "user", "wait", "wait_timeout",
];
const MIB = 1024 * 1024;

async function createContainer(body: Json, ctx: Context): Promise<Record<string, string>> {
  only("docker_container", body, CONTAINER_ATTRIBUTES);
  const name = String(body.name);
  const { Id: id } = (await engine("POST", `/containers/create?name=${encodeURIComponent(name)}`, createBody(body))) as { Id: string };
  const attrs = { name, id, destroy_grace_seconds: String(body.destroy_grace_seconds ?? 0) };
  ctx.created(attrs);
  const networks = (body.networks_advanced ?? []) as Json[];
  if (networks.length) {
    // The provider takes the container off the default network first (it was created on it), then attaches each.
    await engine("POST", "/networks/bridge/disconnect", { Container: id, Force: false }).catch((e: Error) => {
      if (!/is not connected to the network bridge/.test(e.message)) throw e;
    });
    for (const net of networks) {
      only("networks_advanced", net, ["name", "aliases"]);
      const endpoint = { Aliases: (net.aliases ?? []) as string[], IPAMConfig: { IPv4Address: "", IPv6Address: "" } };
      await engine("POST", `/networks/${encodeURIComponent(String(net.name))}/connect`, { Container: id, EndpointConfig: endpoint });
    }
  }
  for (const file of (body.upload ?? []) as Json[]) {
    only("upload", file, ["file", "content"]);
    // One archive per file, its whole path as the entry's name, extracted at the container's root.
    await engine("PUT", `/containers/${id}/archive?path=${encodeURIComponent("/")}`, tarOf(String(file.file), String(file.content)));
  }
  if (body.start !== false) {
    await engine("POST", `/containers/${id}/start`);
    if (body.wait === true) await waitHealthy(name, id, Number(body.wait_timeout ?? 60));
  }
  await refuseDrift(ctx, body, (await engine("GET", `/containers/${id}/json`)) as Inspect);
  return attrs;
}

/** The provider's container.Config + HostConfig for the attributes the stacks use. */
function createBody(body: Json): Json {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of (body.ports ?? []) as Json[]) {
    only("ports", p, ["internal", "external", "ip", "protocol"]);
    const port = `${p.internal}/${p.protocol ?? "tcp"}`;
    exposed[port] = {};
    (bindings[port] ??= []).push({ HostIp: String(p.ip ?? ""), HostPort: p.external === undefined ? "" : String(p.external) });
  }
  const volumes: Record<string, object> = {};
  const binds: string[] = [];
  for (const v of (body.volumes ?? []) as Json[]) {
    only("volumes", v, ["container_path", "volume_name", "read_only"]);
    volumes[String(v.container_path)] = {};
    if (v.volume_name) binds.push(`${v.volume_name}:${v.container_path}:${v.read_only ? "ro" : "rw"}`);
  }
  const caps = (body.capabilities ?? {}) as Json;
  only("capabilities", caps, ["add", "drop"]);
  const swap = body.memory_swap === undefined ? 0 : Number(body.memory_swap);
  return {
    Image: body.image,
    Cmd: body.command,
    Env: body.env,
    User: body.user ?? "",
    StopTimeout: body.stop_timeout,
    Healthcheck: body.healthcheck ? healthcheck(body.healthcheck as Json) : undefined,
    ...(Object.keys(exposed).length ? { ExposedPorts: exposed } : {}),
    ...(Object.keys(volumes).length ? { Volumes: volumes } : {}),
    HostConfig: {
      RestartPolicy: { Name: String(body.restart ?? "no"), MaximumRetryCount: 0 },
      ReadonlyRootfs: body.read_only === true,
      ...(Object.keys(bindings).length ? { PortBindings: bindings } : {}),
      ...(binds.length ? { Binds: binds } : {}),
      ...(body.tmpfs ? { Tmpfs: body.tmpfs } : {}),
      CapAdd: caps.add ?? null,
      CapDrop: caps.drop ?? null,
      SecurityOpt: body.security_opts ?? null,
      Memory: Number(body.memory ?? 0) * MIB,
      MemorySwap: swap > 0 ? swap * MIB : swap,
      NetworkMode: "bridge",
      Init: false,
    },
    NetworkingConfig: {},
  };
}

function healthcheck(h: Json): Json {
  only("healthcheck", h, ["test", "interval", "timeout", "start_period", "retries"]);
  const ns = (d: unknown) => (d === undefined ? 0 : seconds(String(d)) * 1e9);
  return { Test: h.test, Interval: ns(h.interval), Timeout: ns(h.timeout), StartPeriod: ns(h.start_period), Retries: Number(h.retries ?? 0) };
}

function seconds(duration: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(duration);
  if (!m) throw new UnsupportedConfig(`duration "${duration}" is not mapped`);
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2] as "ms" | "s" | "m" | "h"];
}

/** A tar archive of one regular file, as Go's archive/tar writes the provider's (mode 0644, owner root). */
export function tarOf(path: string, content: string): Buffer {
  const data = Buffer.from(content, "utf8");
  const header = Buffer.alloc(512);
  const name = Buffer.from(path, "utf8");
  if (name.length > 100) throw new UnsupportedConfig(`upload path ${path} is longer than a tar name`);
  const octal = (n: number, width: number) => n.toString(8).padStart(width - 1, "0") + "\0";
  name.copy(header, 0);
  header.write(octal(0o644, 8), 100);
  header.write(octal(0, 8), 108);
  header.write(octal(0, 8), 116);
  header.write(octal(data.length, 12), 124);
  header.write(octal(Math.floor(Date.now() / 1000), 12), 136);
  header.write("        ", 148);
  header.write("0", 156);
  header.write("ustar\u000000", 257);
  const sum = header.reduce((a, b) => a + b, 0);
  header.write(octal(sum, 7) + " ", 148);
  const padding = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([header, data, padding, Buffer.alloc(1024)]);
}

/** What `wait = true` means to the provider: the apply succeeds once the health check passes, else after wait_timeout fails. */
async function waitHealthy(name: string, id: string, timeoutSeconds: number): Promise<void> {
  const until = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const state = ((await engine("GET", `/containers/${id}/json`)) as Inspect).State;
    if (!state.Health) throw new UnsupportedConfig(`docker_container ${name}: wait is set but the container has no healthcheck (the provider refuses this)`);
    if (state.Health.Status === "healthy") return;
    if (Date.now() > until) {
      const logs = await execa("docker", ["logs", "--tail", "20", name], { reject: false, all: true });
      throw new EngineRefused(`docker_container ${name}: not healthy after ${timeoutSeconds} s (${state.Health.Status}; the provider fails the apply the same way)\n${logs.all ?? ""}`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

interface Inspect {
  State: { Running: boolean; Health?: { Status: string } };
  HostConfig: { Memory: number; MemorySwap: number; ReadonlyRootfs: boolean; RestartPolicy: { Name: string; MaximumRetryCount: number }; Tmpfs?: Record<string, string> | null; NetworkMode: string; Privileged: boolean; PublishAllPorts: boolean; AutoRemove: boolean; CpuShares: number };
  Config: { User: string };
  NetworkSettings?: { Ports?: unknown };
}

/**
 * The attributes the provider's refresh sets from the engine that it does not compute itself: after a refresh,
 * each is the value read here, and a configuration value (its zero when unset) that differs is a change in the
 * next plan. What the provider computes (command, env, healthcheck, stop_timeout, security_opts, …) can't differ.
 */
const READ_BACK: Record<string, { read: (c: Inspect) => unknown; unset: unknown; suppressedWhenUnset?: boolean }> = {
  memory: { read: (c) => c.HostConfig.Memory / MIB, unset: 0 },
  memory_swap: { read: (c) => (c.HostConfig.MemorySwap > 0 ? c.HostConfig.MemorySwap / MIB : c.HostConfig.MemorySwap), unset: 0 },
  read_only: { read: (c) => c.HostConfig.ReadonlyRootfs, unset: false },
  restart: { read: (c) => c.HostConfig.RestartPolicy.Name, unset: "no" },
  max_retry_count: { read: (c) => c.HostConfig.RestartPolicy.MaximumRetryCount, unset: 0 },
  tmpfs: { read: (c) => c.HostConfig.Tmpfs ?? {}, unset: {} },
  network_mode: { read: (c) => c.HostConfig.NetworkMode, unset: "bridge" },
  privileged: { read: (c) => c.HostConfig.Privileged, unset: false },
  publish_all_ports: { read: (c) => c.HostConfig.PublishAllPorts, unset: false },
  rm: { read: (c) => c.HostConfig.AutoRemove, unset: false },
  cpu_shares: { read: (c) => c.HostConfig.CpuShares, unset: 0 },
  // The provider suppresses a difference when the configuration leaves the user unset.
  user: { read: (c) => c.Config.User, unset: "", suppressedWhenUnset: true },
};

async function refuseDrift(ctx: Context, body: Json, inspect: Inspect): Promise<void> {
  const drift: string[] = [];
  for (const [attribute, { read, unset, suppressedWhenUnset }] of Object.entries(READ_BACK)) {
    if (ctx.ignored.includes(attribute) || (suppressedWhenUnset && body[attribute] === undefined)) continue;
    const [configured, actual] = [body[attribute] ?? unset, read(inspect)];
    if (JSON.stringify(configured) === JSON.stringify(actual)) continue;
    drift.push(`${attribute} reads back as ${JSON.stringify(actual)}, the stack ${body[attribute] === undefined ? "leaves it unset" : `sets ${JSON.stringify(configured)}`}`);
  }
  // The provider reads ports back from NetworkSettings.Ports: a binding the engine did not make is a replacement.
  const published = (inspect.NetworkSettings?.Ports ?? {}) as Record<string, { HostIp: string; HostPort: string }[] | null>;
  for (const p of (body.ports ?? []) as Json[]) {
    const bound = (published[`${p.internal}/${p.protocol ?? "tcp"}`] ?? []).some((b) => b.HostPort === String(p.external) && (!p.ip || b.HostIp === p.ip));
    if (!bound) drift.push(`ports: ${p.ip ?? ""}:${p.external}->${p.internal} reads back unpublished (the engine publishes no port of a container on internal networks only)`);
  }
  const mustRun = body.must_run !== false;
  if (mustRun && !inspect.State.Running) drift.push("must_run is true but the container is not running: the next refresh deletes it and the plan creates it again");
  if (drift.length) {
    throw new WouldDrift(`${ctx.address}: a plan right after this apply would not be empty:\n${drift.map((d) => `  ${d}`).join("\n")}\n` +
      "Set each to what the engine keeps, or add it to lifecycle.ignore_changes with a comment saying why.");
  }
}

async function destroyResource(address: string, applied: Applied): Promise<void> {
  const type = address.slice(0, address.indexOf("."));
  const { attrs } = applied;
  if (type === "docker_container") {
    // The provider stops with destroy_grace_seconds when it is set, then removes with the anonymous volumes.
    if (attrs.destroy_grace_seconds && attrs.destroy_grace_seconds !== "0") {
      await engine("POST", `/containers/${attrs.id}/stop?t=${attrs.destroy_grace_seconds}`).catch(() => undefined);
    }
    await engine("DELETE", `/containers/${attrs.id}?v=true&force=true`).catch(() => undefined);
  } else if (type === "docker_network") await execa("docker", ["network", "rm", attrs.name!], { reject: false });
  else if (type === "docker_volume") await execa("docker", ["volume", "rm", attrs.name!], { reject: false });
  else if (type === "docker_image" && attrs.keep_locally !== "true") await execa("docker", ["rmi", attrs.name!], { reject: false });
}

// ---- The Engine API on its unix socket ----

function socketPath(): string {
  const host = process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock";
  if (!host.startsWith("unix://")) throw new UnsupportedConfig(`DOCKER_HOST ${host}: the applier speaks to a local engine's unix socket only`);
  return host.slice("unix://".length);
}

/** One Engine API call; its JSON answer, or EngineRefused with the engine's own message. */
export function engine(method: string, path: string, body?: Json | Buffer): Promise<unknown> {
  const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  const type = Buffer.isBuffer(body) ? "application/x-tar" : "application/json";
  return new Promise((resolvePromise, reject) => {
    const req = request({ socketPath: socketPath(), path, method, headers: payload ? { "content-type": type, "content-length": payload.length } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString();
        const json = text ? safeJson(text) : undefined;
        if ((res.statusCode ?? 500) >= 400) {
          const message = (json as { message?: string } | undefined)?.message ?? text;
          reject(new EngineRefused(`${method} ${path.split("?")[0]}: Error response from daemon: ${message.trim()}`));
        } else resolvePromise(json);
      });
    });
    req.on("error", reject);
    req.end(payload);
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
