// `gatekit status | logs | restart` for a Docker environment: its containers (named by the deployment model)
// through the Docker CLI, on the spec's Docker host.
import { execa, type ResultPromise } from "execa";
import { resolveEnvironment } from "../model/resolve.ts";
import type { DockerEnvironment } from "../spec/schema.ts";

export interface ContainerStatus { service: string; container: string; state: string; health: string; uptime: string; restarts: number }

const dockerEnv = (env: DockerEnvironment) => ({ DOCKER_HOST: env.spec.host.docker_host });
const docker = (env: DockerEnvironment, args: string[]) => execa("docker", args, { env: dockerEnv(env), reject: false });
const services = (env: DockerEnvironment) => resolveEnvironment(env).services;

/**
 * Whether the spec's Docker engine answers: undefined when it does, else why not and what to do (no docker CLI,
 * or the engine's own error, e.g. "Cannot connect to the Docker daemon at unix:///var/run/docker.sock").
 */
export async function engineProblem(env: DockerEnvironment): Promise<string | undefined> {
  const r = await execa("docker", ["version", "--format", "{{.Server.Version}}"], { env: dockerEnv(env), reject: false, timeout: 20_000 });
  if (r.exitCode === 0 && r.stdout.trim()) return undefined;
  if ((r as { code?: string }).code === "ENOENT" || /ENOENT/.test(String(r.message ?? ""))) return "the docker command is not installed: install the Docker CLI and run again";
  const why = r.stderr.trim().split("\n").filter(Boolean).pop() ?? (r.timedOut ? "no answer within 20 s" : `docker version exited ${r.exitCode}`);
  return `the Docker engine at ${env.spec.host.docker_host} does not answer (${why}): start it (or point host.docker_host in the spec at one that runs) and run again`;
}

export async function stackStatus(env: DockerEnvironment): Promise<ContainerStatus[]> {
  return Promise.all(services(env).map(async (s) => {
    const r = await docker(env, ["inspect", "-f", "{{.State.Status}}|{{if .State.Health}}{{.State.Health.Status}}{{else}}-{{end}}|{{.State.StartedAt}}|{{.RestartCount}}", s.containerName]);
    if (r.exitCode !== 0) return { service: s.key, container: s.containerName, state: "missing", health: "-", uptime: "-", restarts: 0 };
    const [state, health, started, restarts] = r.stdout.trim().split("|");
    return { service: s.key, container: s.containerName, state: state!, health: health!, uptime: state === "running" ? since(started!) : "-", restarts: Number(restarts) };
  }));
}

function since(iso: string): string {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : s < 172_800 ? `${Math.round(s / 3600)}h` : `${Math.round(s / 86_400)}d`;
}

/**
 * `docker logs` of one service (by key, e.g. gateway_1, or role, e.g. gateway) or all, each line prefixed with
 * its service. Resolves to the services whose `docker logs` failed (e.g. no such container), with its error.
 */
export async function streamLogs(env: DockerEnvironment, opts: { service?: string; follow?: boolean; since?: string; write: (line: string) => void }): Promise<{ service: string; error: string }[]> {
  const chosen = services(env).filter((s) => !opts.service || s.key === opts.service || s.role === opts.service);
  if (!chosen.length) throw new Error(`no service "${opts.service}" (services: ${services(env).map((s) => s.key).join(", ")})`);
  const width = Math.max(...chosen.map((s) => s.key.length));
  const failed = await Promise.all(chosen.map(async (s) => {
    const args = ["logs", ...(opts.follow ? ["-f"] : []), ...(opts.since ? ["--since", opts.since] : []), s.containerName];
    const child: ResultPromise = execa("docker", args, { env: dockerEnv(env), reject: false, all: true, buffer: false });
    const write = (line: string) => opts.write(chosen.length > 1 ? `${s.key.padEnd(width)} | ${line}` : line);
    let tail = "";
    let last = "";
    child.all?.on("data", (chunk: Buffer) => {
      const lines = (tail + chunk.toString()).split("\n");
      tail = lines.pop()!;
      for (const line of lines) write((last = line));
    });
    const result = await child;
    if (tail) write((last = tail)); // the last line, when it has no newline
    // On failure the child's output is docker's own error (e.g. "No such container: …"), already shown.
    return result.exitCode === 0 ? undefined : { service: s.key, error: last.trim() || `docker logs exited ${result.exitCode}` };
  }));
  return failed.filter((f) => f !== undefined);
}

/**
 * Restarts the gateway instances one at a time: each drains (behind the balancer it first answers 503 so no
 * request is refused), starts again, and must be healthy — and back in the balancer — before the next.
 */
export async function rollingRestart(env: DockerEnvironment, log: (line: string) => void = () => {}): Promise<void> {
  const gateways = services(env).filter((s) => s.role === "gateway");
  if (gateways.length === 1) log("one instance: requests arriving while it restarts are refused; add instances for restarts without downtime");
  for (const g of gateways) {
    const t0 = Date.now();
    const r = await docker(env, ["restart", "-t", String(g.stopGraceSeconds), g.containerName]);
    if (r.exitCode !== 0) throw new Error(`docker restart ${g.containerName}: ${r.stderr}`);
    await waitHealthy(env, g.containerName, 120_000);
    // The balancer takes an instance back after two passing checks a second apart.
    if (gateways.length > 1) await new Promise((resolve) => setTimeout(resolve, 3000));
    log(`✓ ${g.containerName} restarted and healthy in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
}

async function waitHealthy(env: DockerEnvironment, container: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const health = (await docker(env, ["inspect", "-f", "{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}", container])).stdout.trim();
    if (health === "healthy") return;
    if (Date.now() > until) throw new Error(`${container} is ${health || "gone"} after ${timeoutMs / 1000} s: see gatekit logs`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
