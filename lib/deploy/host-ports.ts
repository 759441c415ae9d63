// A host port the stack publishes that something else already holds makes a deploy fail half-way (the first
// containers start, the one needing the port doesn't). Checked before: on a local Docker host, each published
// port is tried; one held by this environment's own running containers is fine (a redeploy).
import { createConnection } from "node:net";
import { resolveEnvironment } from "../model/resolve.ts";
import type { Finding } from "../rules/index.ts";
import type { DockerEnvironment, Environment } from "../spec/schema.ts";

const SPEC_PATH: Record<string, string> = { api: "gateway.port", health: "gateway.health_port", postgres: "postgres.host_port", redis: "redis.host_port", prometheus: "monitoring.prometheus.port" };

export async function hostPortFindings(envs: Environment[]): Promise<Finding[]> {
  const local = envs.filter((e): e is DockerEnvironment => e.spec.target === "docker" && e.spec.host.docker_host.startsWith("unix://"));
  if (!local.length) return [];
  let holders: Map<number, string> | undefined; // asked of the engine only once a port is found held
  const findings: Finding[] = [];
  for (const env of local) {
    const ports = resolveEnvironment(env).services.flatMap((s) => s.ports.filter((p) => p.host).map((p) => ({ ...p, host: p.host! })));
    const unique = [...new Map(ports.map((p) => [p.host, p])).values()];
    for (const p of unique) {
      if (!(await listening(p.address ?? "127.0.0.1", p.host))) continue;
      const holder = (holders ??= await publishedBy()).get(p.host);
      if (holder?.startsWith(`${env.name}-`)) continue;
      findings.push({
        ruleId: "HostPortFree", severity: "error", environment: env.name, file: env.file, path: SPEC_PATH[p.name] ?? p.name,
        message: `port ${p.host} is already in use on the Docker host (${holder ? `by container ${holder}` : "by another process"})`,
        fix: `Stop what holds port ${p.host}, or give ${env.name} another port in its spec.`,
      });
    }
  }
  return findings;
}

/** host port → the container publishing it, from the engine (empty when there is none to ask). */
async function publishedBy(): Promise<Map<number, string>> {
  const { execa } = await import("execa"); // loaded only when a port is held
  const r = await execa("docker", ["ps", "--format", "{{.Names}}|{{.Ports}}"], { reject: false, timeout: 10_000 }).catch(() => undefined);
  const map = new Map<number, string>();
  for (const line of r?.exitCode === 0 ? r.stdout.split("\n") : []) {
    const [name, ports] = line.split("|");
    for (const m of (ports ?? "").matchAll(/:(\d+)->/g)) map.set(Number(m[1]), name!);
  }
  return map;
}

function listening(address: string, port: number): Promise<boolean> {
  const host = address === "0.0.0.0" ? "127.0.0.1" : address;
  return new Promise((resolve) => {
    const socket = createConnection({ host, port, timeout: 500 }, () => (socket.destroy(), resolve(true)));
    socket.on("error", () => resolve(false));
    socket.on("timeout", () => (socket.destroy(), resolve(false)));
  });
}
