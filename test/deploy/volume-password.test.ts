// A retained Postgres volume keeps the password it was initialised with. A redeploy with another POSTGRES_PASSWORD
// is stopped by `gatekit deploy` before anything changes, and `gatekit check` names the volume and the two ways
// out — on the live engine, with a volume a real Postgres (the stack's own image) initialised.
import { execa } from "execa";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { buildImages } from "../../lib/images/build.ts";
import { LOCAL_IMAGES } from "../../lib/model/images.ts";
import { gatekit, REPO } from "../support/cli.ts";
import { waitFor } from "../support/gateway-process.ts";
import { freePort } from "../support/ports.ts";
import { TEST_VARS } from "../support/vars.ts";

const name = `pwcheck${process.pid}`;
const volume = `gatekit-${name}-pgdata`;
const container = `${name}-postgres`;
const OLD = "the-password-it-was-initialised-with";
const dir = mkdtempSync(join(tmpdir(), "gatekit-pwcheck-"));
const specFile = join(dir, `${name}.yaml`);
// No provider mirror: a deploy that gets past the volume check stops at the provider, before any change.
const env = (password: string) => ({ ...TEST_VARS, POSTGRES_PASSWORD: password, TF_CLI_CONFIG_FILE: "/dev/null" });
const docker = (...args: string[]) => execa("docker", args, { reject: false });
const containers = async () => (await docker("ps", "-a", "--format", "{{.Names}}")).stdout.split("\n").filter((n) => n.startsWith(`${name}-`));

/** The stack's Postgres, as the stack runs it, initialising the volume with OLD. */
async function startPostgres() {
  await docker("run", "-d", "--name", container, "--user", "999:999", "--tmpfs", "/tmp", "--tmpfs", "/var/run/postgresql", "--network", "none",
    "-e", `POSTGRES_PASSWORD=${OLD}`, "-e", "POSTGRES_USER=litellm", "-e", "POSTGRES_DB=litellm", "-e", "PGDATA=/var/lib/postgresql/data/pgdata",
    "-v", `${volume}:/var/lib/postgresql/data`, LOCAL_IMAGES.postgres, "postgres");
  await waitFor(async () => (await docker("exec", container, "pg_isready", "-h", "127.0.0.1", "-q")).exitCode === 0, 60_000);
}

beforeAll(async () => {
  const engine = await execa("bash", ["scripts/docker-engine.sh"], { cwd: REPO, reject: false });
  if (engine.exitCode !== 0) throw new Error(`no Docker engine: ${engine.stdout}${engine.stderr}`);
  await buildImages(["postgres"], { root: REPO });
  const spec = parse(readFileSync(join(REPO, "environments/dev.yaml"), "utf8"));
  Object.assign(spec.gateway, { port: await freePort(), health_port: await freePort() });
  spec.networks = { public: `gatekit-${name}-public`, internal: `gatekit-${name}-internal` };
  spec.postgres.volume = volume;
  writeFileSync(specFile, stringify(spec));
  await startPostgres();
}, 600_000);

afterAll(async () => {
  for (const c of await containers()) await docker("rm", "-f", c);
  await docker("volume", "rm", volume);
});

describe("a kept Postgres volume and another password", () => {
  it("gatekit check: the running Postgres refuses the new password; the item names the volume and both ways out", async () => {
    const r = await gatekit(["check", specFile, "--no-traffic"], { env: env(TEST_VARS.POSTGRES_PASSWORD!) });
    expect(r.exitCode).toBe(1);
    const line = r.stdout.split("\n").findIndex((l) => l.startsWith("✗ postgres volume password"));
    expect(line, r.stdout).toBeGreaterThan(-1);
    const item = r.stdout.split("\n").slice(line, line + 2).join("\n");
    expect(item).toContain(`the Postgres volume ${volume} was initialised with a different password than POSTGRES_PASSWORD`);
    expect(item).toContain("set POSTGRES_PASSWORD back to the password the volume was initialised with");
    expect(item).toContain(`docker volume rm ${volume}`);
    expect(r.stdout + r.stderr).not.toContain(TEST_VARS.POSTGRES_PASSWORD);
  }, 120_000);

  it("gatekit check with the volume's own password: ✓", async () => {
    const r = await gatekit(["check", specFile, "--no-traffic", "--json"], { env: env(OLD) });
    const items = JSON.parse(r.stdout).items as { name: string; status: string; detail: string }[];
    expect(items.find((i) => i.name === "postgres volume password")).toMatchObject({ status: "ok", detail: `${volume} takes POSTGRES_PASSWORD` });
  }, 120_000);

  it("gatekit deploy after a destroy that kept the volume: stops before any change, naming the volume and the ways out", async () => {
    await docker("rm", "-f", container);
    const r = await gatekit(["deploy", specFile, "--out", join(dir, "out")], { env: env(TEST_VARS.POSTGRES_PASSWORD!) });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`gatekit deploy ${name}: nothing was changed`);
    expect(r.stderr).toContain(`PostgresVolumePassword ${specFile} postgres.password: the Postgres volume ${volume} was initialised with a different password`);
    expect(r.stderr).toContain(`docker volume rm ${volume}`);
    expect(r.stderr).not.toContain(TEST_VARS.POSTGRES_PASSWORD);
    // The short-lived Postgres that asked the volume is gone, and the volume is untouched.
    expect(await containers()).toEqual([]);
    expect((await docker("volume", "inspect", volume)).exitCode).toBe(0);
  }, 180_000);

  it("gatekit deploy with the volume's own password gets past the check (to the provider step here)", async () => {
    const r = await gatekit(["deploy", specFile, "--out", join(dir, "out")], { env: env(OLD) });
    expect(r.stderr).not.toContain("PostgresVolumePassword");
    expect(r.stderr).toMatch(/can't install the provider|terraform is not installed/);
    expect(await containers()).toEqual([]);
  }, 180_000);
});
