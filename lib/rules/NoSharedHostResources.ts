import { spendJournalVolume } from "../model/resolve.ts";
import { isDocker, type DockerEnvironment } from "../spec/schema.ts";
import { ok, rule, type Violation } from "./rule.ts";

/** What an environment claims on its Docker host: host ports and named networks/volumes, with their spec paths. */
export function hostClaims(env: DockerEnvironment): { claim: string; path: string }[] {
  const { gateway, postgres, redis, networks } = env.spec;
  // One instance publishes the gateway's ports; several sit behind the load balancer, which publishes them.
  const claims = [
    { claim: `port ${gateway.port}`, path: "gateway.port" },
    { claim: `port ${gateway.health_port}`, path: "gateway.health_port" },
    { claim: `volume ${postgres.volume}`, path: "postgres.volume" },
  ];
  for (let i = 0; i < gateway.instances && gateway.spend_journal.storage === "volume"; i++) claims.push({ claim: `volume ${spendJournalVolume(env.name, env.spec, i)}`, path: "gateway.spend_journal.volume" });
  if (postgres.host_port) claims.push({ claim: `port ${postgres.host_port}`, path: "postgres.host_port" });
  if (redis?.host_port) claims.push({ claim: `port ${redis.host_port}`, path: "redis.host_port" });
  if (redis?.volume) claims.push({ claim: `volume ${redis.volume}`, path: "redis.volume" });
  const prometheus = env.spec.monitoring.prometheus;
  if (prometheus) claims.push({ claim: `port ${prometheus.port}`, path: "monitoring.prometheus.port" }, { claim: `volume ${prometheus.volume ?? `gatekit-${env.name}-prometheus`}`, path: "monitoring.prometheus.volume" });
  if (networks.public) claims.push({ claim: `network ${networks.public}`, path: "networks.public" });
  if (networks.internal) claims.push({ claim: `network ${networks.internal}`, path: "networks.internal" });
  return claims;
}

export default rule(import.meta.url, {
  severity: "error",
  info: "Two environments on one Docker host claiming the same port, network or volume fail to deploy, or worse, share data.",
  fix: "Give each environment on a host its own ports, network names and volume names.",
  check: ({ env, all }) => {
    // A cluster has no host ports or named volumes to collide on; each Kubernetes environment has its namespace.
    if (!isDocker(env)) return ok;
    const out: Violation[] = [];
    const mine = hostClaims(env);
    const seen = new Map<string, string>();
    for (const c of mine) {
      if (seen.has(c.claim)) out.push({ path: c.path, message: `${c.claim} is claimed twice in this environment (also ${seen.get(c.claim)})` });
      seen.set(c.claim, c.path);
    }
    for (const other of all) {
      if (other.name === env.name || !isDocker(other) || other.spec.host.docker_host !== env.spec.host.docker_host) continue;
      const theirs = new Set(hostClaims(other).map((c) => c.claim));
      for (const c of mine.filter((c) => theirs.has(c.claim))) {
        out.push({ path: c.path, message: `${c.claim} is also claimed by environment ${other.name} on ${env.spec.host.docker_host}` });
      }
    }
    return out.length ? out : ok;
  },
});
