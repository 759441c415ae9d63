import { isDocker } from "../spec/schema.ts";
import { ok, rule, type Violation } from "./rule.ts";

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

export default rule(import.meta.url, {
  severity: "error",
  info: "A database or cache published beyond loopback is reachable by anyone on the network.",
  fix: "Publish Postgres and Redis host ports only on 127.0.0.1 (host.publish_address) or not at all, and set networks.internal.",
  check: ({ env }) => {
    // Kubernetes publishes nothing on hosts; NetworkPolicyPresent guards the data services there.
    if (!isDocker(env)) return ok;
    const { host, postgres, redis, networks } = env.spec;
    const out: Violation[] = [];
    const published = [postgres.host_port && "postgres.host_port", redis?.host_port && "redis.host_port"].filter(Boolean) as string[];
    if (!LOOPBACK.test(host.publish_address)) {
      for (const p of published) out.push({ path: p, message: `published on ${host.publish_address}, not loopback` });
    }
    if (!networks.internal) out.push({ path: "networks.internal", message: "data services share the public network" });
    return out.length ? out : ok;
  },
});
