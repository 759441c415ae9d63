// The reference guide's usual start-up failures, caught by `gatekit validate` (and `deploy`) with a fix each:
// no .env / a missing variable, a missing provider key, a DATABASE_URL whose password doesn't match, and a
// host port already taken on the Docker host.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { gatekit, REPO } from "../support/cli.ts";
import { freePort } from "../support/ports.ts";
import { TEST_VARS } from "../support/vars.ts";

const cwd = mkdtempSync(join(tmpdir(), "gatekit-trouble-")); // no .env here
const ALL_UNSET = Object.fromEntries(Object.keys(TEST_VARS).map((k) => [k, undefined]));

function specFile(name: string, edit: (spec: Record<string, any>) => void): string {
  const spec = parse(readFileSync(join(REPO, "environments/prod.yaml"), "utf8")) as Record<string, any>;
  edit(spec);
  const file = join(cwd, `${name}.yaml`);
  writeFileSync(file, stringify(spec));
  return file;
}

describe("start-up failures caught before deploying", () => {
  it("no .env and unset variables: each named, with the .env hint", async () => {
    const r = await gatekit(["validate", specFile("noenv", () => {})], { cwd, env: { ...ALL_UNSET, DATABASE_URL: undefined } });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain("SecretsPresent");
    expect(r.stdout).toContain("LITELLM_MASTER_KEY is not set");
    expect(r.stdout).toContain("GEMINI_API_KEY is not set"); // a provider key the model list needs
    expect(r.stdout).toContain("there is no .env here: `cp .env.example .env`");
  });

  it("a DATABASE_URL whose password is not the Postgres password", async () => {
    const r = await gatekit(["validate", specFile("dburl", () => {})], {
      cwd, env: { ...TEST_VARS, DATABASE_URL: "postgresql://litellm:wrong-password@postgres:5432/litellm" },
    });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/DatabaseUrlMatchesPostgres .* DATABASE_URL's password differ/);
    expect(r.stdout).toContain("fix: Unset DATABASE_URL");
    expect(r.stdout).not.toContain("wrong-password");
  });

  it("a host port already taken: validate and deploy say which and stop", async () => {
    const port = await freePort();
    const holder = net.createServer().listen(port, "127.0.0.1");
    await new Promise((r) => holder.once("listening", r));
    try {
      const file = specFile("taken", (s) => {
        s.gateway.port = port;
        s.networks = { public: "gatekit-taken-public", internal: "gatekit-taken-internal" };
        s.postgres.volume = "gatekit-taken-pgdata";
        delete s.postgres.host_port;
        delete s.redis.host_port;
      });
      const v = await gatekit(["validate", file], { cwd, env: TEST_VARS });
      expect(v.exitCode).toBe(1);
      expect(v.stdout).toContain(`HostPortFree ${file} gateway.port: port ${port} is already in use on the Docker host (by another process)`);
      expect(v.stdout).toContain(`fix: Stop what holds port ${port}`);
      const d = await gatekit(["deploy", file, "--out", join(cwd, "out")], { cwd, env: TEST_VARS });
      expect(d.exitCode).toBe(1);
      expect(d.stderr).toContain("nothing was changed");
      expect(d.stderr).toContain("HostPortFree");
      // Plan reviews validate without the deploy-time machine: no host check there.
      expect((await gatekit(["validate", file, "--skip-secrets"], { cwd, env: TEST_VARS })).stdout).not.toContain("HostPortFree");
    } finally {
      holder.close();
    }
  }, 60_000);
});
