// status / logs against the Docker engine: an engine that doesn't answer is said (exit 2), a stack that isn't
// there is a failure (exit 1), and the last log line is shown even without a trailing newline.
import { execa } from "execa";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { gatekit, REPO } from "../support/cli.ts";

const dir = mkdtempSync(join(tmpdir(), "gatekit-opsdocker-"));
const name = `opsdocker${process.pid}`;

/** A copy of dev named `name` (containers `<name>-postgres`, …), on the given Docker host. */
function specFile(file: string, dockerHost?: string): string {
  const spec = parse(readFileSync(join(REPO, "environments/dev.yaml"), "utf8"));
  if (dockerHost) spec.host.docker_host = dockerHost;
  const path = join(dir, `${file}.yaml`);
  writeFileSync(path, stringify(spec));
  return path;
}

afterAll(async () => {
  await execa("docker", ["rm", "-f", `${name}-postgres`], { reject: false });
});

describe("status and logs", () => {
  it("no engine at the spec's Docker host: said with the reason, exit 2, no table of 'missing'", async () => {
    const file = specFile(name + "-noengine", `unix://${dir}/no-docker.sock`);
    for (const cmd of ["status", "logs", "restart"]) {
      const r = await gatekit([cmd, file]);
      expect(r.exitCode, cmd).toBe(2);
      expect(r.stderr).toContain(`the Docker engine at unix://${dir}/no-docker.sock does not answer (`);
      expect(r.stderr).toContain("start it (or point host.docker_host in the spec at one that runs)");
      expect(r.stdout).not.toContain("missing");
    }
  });

  it("no stack: logs fails (exit 1) saying which services, status shows them missing (exit 1)", async () => {
    const file = specFile(name);
    const logs = await gatekit(["logs", file, "postgres"]);
    expect(logs.exitCode).toBe(1);
    expect(logs.stdout + logs.stderr).toContain(`No such container: ${name}-postgres`);
    expect(logs.stderr).toContain(`docker logs failed for postgres`);
    const status = await gatekit(["status", file, "--json"]);
    expect(status.exitCode).toBe(1);
    expect(JSON.parse(status.stdout)).toContainEqual(expect.objectContaining({ service: "postgres", state: "missing" }));
  }, 60_000);

  it("the last log line is shown when it has no trailing newline", async () => {
    const image = (await execa("docker", ["images", "--format", "{{.Repository}}:{{.Tag}}", "--filter", "reference=gatekit/*"])).stdout.split("\n").find(Boolean);
    expect(image, "a gatekit/* image on this engine (gatekit images build dev)").toBeTruthy();
    await execa("docker", ["rm", "-f", `${name}-postgres`], { reject: false });
    await execa("docker", ["run", "--name", `${name}-postgres`, "--entrypoint", "sh", image!, "-c", "printf 'first line\\nlast line without newline'"]);
    const file = specFile(name);
    const r = await gatekit(["logs", file, "postgres"]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe("first line\nlast line without newline"); // execa drops the final newline of what gatekit printed
  }, 60_000);
});
