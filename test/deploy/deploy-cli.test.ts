// `gatekit deploy` on a host where Terraform can't install the Docker provider (no registry, no mirror — as on
// these machines): it stops before changing anything and explains the provider mirror.
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { gatekit } from "../support/cli.ts";
import { TEST_VARS } from "../support/vars.ts";

describe("gatekit deploy without a provider", () => {
  it("exits 1 before any change, with the mirror set-up", async () => {
    // dev's containers only: other stacks may come and go on the shared engine meanwhile.
    const devContainers = async () => (await execa("docker", ["ps", "-a", "--format", "{{.Names}}"], { reject: false })).stdout.split("\n").filter((n) => n.startsWith("dev-"));
    const before = await devContainers();
    const r = await gatekit(["deploy", "dev", "--out", `/tmp/gatekit-deploy-cli-${process.pid}`], { env: TEST_VARS });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("Nothing was changed");
    expect(r.stderr).toMatch(/can't install the provider \(kreuzwerker\/docker 3\.6\.2\): the registry is unreachable|terraform is not installed/);
    expect(r.stderr).toContain("filesystem_mirror");
    expect(r.stderr).toContain('include = ["registry.terraform.io/kreuzwerker/docker"]');
    const after = await devContainers();
    expect(after).toEqual(before);
    for (const secret of Object.values(TEST_VARS)) expect(r.stdout + r.stderr).not.toContain(secret);
  }, 120_000);

  it("a kubernetes environment names its own provider (hashicorp/kubernetes) in the reason and the mirror", async () => {
    const r = await gatekit(["deploy", "prod-k8s", "--out", `/tmp/gatekit-deploy-cli-${process.pid}`], { env: TEST_VARS });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("Nothing was changed");
    expect(r.stderr).not.toMatch(/docker provider|kreuzwerker/i);
    if (!/terraform is not installed/.test(r.stderr)) expect(r.stderr).toMatch(/can't install the provider \(hashicorp\/kubernetes \d+\.\d+\.\d+\)/);
    expect(r.stderr).toContain('include = ["registry.terraform.io/hashicorp/kubernetes"]');
  }, 120_000);

  it("destroy stops the same way; usage errors exit 2", async () => {
    const r = await gatekit(["destroy", "dev", "--out", `/tmp/gatekit-deploy-cli-${process.pid}`], { env: TEST_VARS });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("gatekit destroy dev:");
    expect((await gatekit(["deploy"], { env: TEST_VARS })).exitCode).toBe(2);
    expect((await gatekit(["deploy", "no-such-env"], { env: TEST_VARS })).exitCode).toBe(2);
  }, 120_000);
});
