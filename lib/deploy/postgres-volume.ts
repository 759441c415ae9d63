// Postgres keeps the password it was initialised with: POSTGRES_PASSWORD only sets it on an empty data volume.
// A volume that outlives its stack (postgres.retain_volume, or a destroy that kept it) and a redeploy with another
// password give a Postgres that refuses the gateway, and a gateway that never becomes healthy. This asks the
// volume itself: it logs in with the password the stack would deploy — through the environment's running Postgres,
// or (before a deploy, when none runs) a short-lived Postgres of the stack's own image on the volume, with no
// network. The password reaches psql through the environment of the docker CLI, never a command line.
import { execa } from "execa";
import { envRefName } from "../gateway/config/schema.ts";
import { resolveEnvironment } from "../model/resolve.ts";
import type { Finding } from "../rules/index.ts";
import type { DockerEnvironment } from "../spec/schema.ts";

export type VolumePassword =
  | { status: "matches" | "mismatch"; volume: string; via: string }
  | { status: "unknown"; volume: string; why: string };

const READY_TIMEOUT_MS = 30_000;

/** Whether the environment's Postgres volume takes the password the stack deploys; undefined when there is no volume yet. */
export async function checkVolumePassword(env: DockerEnvironment, vars: Record<string, string | undefined>, opts: { startPostgres: boolean }): Promise<VolumePassword | undefined> {
  const pg = env.spec.postgres;
  const volume = pg.volume;
  const variable = envRefName(pg.password) ?? "POSTGRES_PASSWORD";
  const password = vars[variable];
  const docker = (args: string[], extra: Record<string, string> = {}) =>
    execa("docker", args, { env: { DOCKER_HOST: env.spec.host.docker_host, ...extra }, reject: false, timeout: 60_000 });
  if ((await docker(["volume", "inspect", volume])).exitCode !== 0) return undefined;
  if (password === undefined) return { status: "unknown", volume, why: `${variable} is not set` };
  const service = resolveEnvironment(env).services.find((s) => s.role === "postgres")!;
  const login = async (container: string) => {
    const r = await docker(["exec", "-e", "PGPASSWORD", container, "psql", "-h", "127.0.0.1", "-U", pg.user, "-d", pg.database, "-tAc", "select 1"], { PGPASSWORD: password });
    if (r.exitCode === 0) return "matches" as const;
    return /password authentication failed/.test(r.stderr) ? ("mismatch" as const) : r.stderr.trim().split("\n").pop() || `psql exited ${r.exitCode}`;
  };

  const running = await docker(["inspect", "-f", "{{.State.Running}} {{range .Mounts}}{{.Name}} {{end}}", service.containerName]);
  if (running.exitCode === 0 && running.stdout.startsWith("true") && running.stdout.split(" ").includes(volume)) {
    const result = await login(service.containerName);
    return result === "matches" || result === "mismatch" ? { status: result, volume, via: service.containerName } : { status: "unknown", volume, why: result };
  }
  if (!opts.startPostgres) return { status: "unknown", volume, why: `${service.containerName} is not running` };
  const image = service.image.name;
  if ((await docker(["image", "inspect", image])).exitCode !== 0) return { status: "unknown", volume, why: `${image} is not on the engine yet` };
  const probe = `${service.containerName}-password-check`;
  const started = await docker([
    "run", "-d", "--rm", "--name", probe, "--network", "none", "--user", service.user ?? "999:999", "--tmpfs", "/tmp", "--tmpfs", "/var/run/postgresql",
    "-e", "PGDATA", "-e", "POSTGRES_PASSWORD", "-v", `${volume}:/var/lib/postgresql/data`, image, "postgres",
  ], { PGDATA: service.env.PGDATA!, POSTGRES_PASSWORD: password });
  if (started.exitCode !== 0) return { status: "unknown", volume, why: started.stderr.trim().split("\n").pop() ?? "docker run failed" };
  try {
    const until = Date.now() + READY_TIMEOUT_MS;
    while ((await docker(["exec", probe, "pg_isready", "-h", "127.0.0.1", "-q"])).exitCode !== 0) {
      if (Date.now() > until) return { status: "unknown", volume, why: `a Postgres on ${volume} did not start within ${READY_TIMEOUT_MS / 1000} s` };
      await new Promise((r) => setTimeout(r, 500));
    }
    const result = await login(probe);
    return result === "matches" || result === "mismatch" ? { status: result, volume, via: image } : { status: "unknown", volume, why: result };
  } finally {
    await docker(["stop", "-t", "30", probe]);
  }
}

/** The two ways out, for deploy's finding and check's item. */
export function volumePasswordFix(env: DockerEnvironment): string {
  const variable = envRefName(env.spec.postgres.password) ?? "POSTGRES_PASSWORD";
  return `Either set ${variable} back to the password the volume was initialised with (to rotate it, ALTER ROLE ${env.spec.postgres.user} PASSWORD … first, then change ${variable}); ` +
    `or back the data up (pg_dump, with the old password) and remove the volume — docker volume rm ${env.spec.postgres.volume} — so that the next deploy initialises it with ${variable}.`;
}

export function volumePasswordMessage(env: DockerEnvironment): string {
  const variable = envRefName(env.spec.postgres.password) ?? "POSTGRES_PASSWORD";
  return `the Postgres volume ${env.spec.postgres.volume} was initialised with a different password than ${variable} holds now: Postgres keeps its first password (${variable} only sets it on an empty volume), so it would refuse the gateway`;
}

/** Before a deploy: a finding when the kept volume would refuse the stack's password. */
export async function volumePasswordFindings(env: DockerEnvironment, vars: Record<string, string | undefined>): Promise<Finding[]> {
  const r = await checkVolumePassword(env, vars, { startPostgres: true });
  if (r?.status !== "mismatch") return [];
  return [{ ruleId: "PostgresVolumePassword", severity: "error", environment: env.name, file: env.file, path: "postgres.password", message: volumePasswordMessage(env), fix: volumePasswordFix(env) }];
}
