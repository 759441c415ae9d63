// What a newcomer meets first: the version, the compiled CLI's absence explained, missing system tools named by
// their Debian package.
import { execa } from "execa";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gatekit, REPO } from "../support/cli.ts";

const { version } = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string };

/** A PATH holding node, bash and the few tools base-images.sh uses, plus `extra` scripts by name. */
function pathWith(extra: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "gatekit-path-"));
  for (const tool of ["bash", "mktemp", "cat", "cp", "rm", "tar"]) symlinkSync(`/usr/bin/${tool}`, join(dir, tool));
  symlinkSync(process.execPath, join(dir, "node"));
  for (const [name, body] of Object.entries(extra)) {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

describe("first hour", () => {
  it("gatekit --version and -v print the package's version", async () => {
    for (const flag of ["--version", "-v"]) {
      const r = await gatekit([flag]);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toBe(`gatekit ${version}`);
    }
  });

  it("without the compiled build, bin/gatekit.js says how to make it (exit 2)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gatekit-nobuild-"));
    mkdirSync(join(dir, "bin"));
    copyFileSync(join(REPO, "bin/gatekit.js"), join(dir, "bin/gatekit.js"));
    writeFileSync(join(dir, "package.json"), '{"type":"module"}');
    const r = await execa(process.execPath, [join(dir, "bin/gatekit.js"), "--help"], { reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("the compiled CLI is missing (dist/lib/cli/main.js). Build it with `npm run build`");
  });

  it("images build without docker or debootstrap names the Debian package to install", async () => {
    const noDocker = await gatekit(["images", "build", "redis"], { env: { PATH: pathWith({}) } });
    expect(noDocker.exitCode).toBe(1);
    expect(noDocker.stderr).toContain("docker is not installed: apt-get install docker.io (Debian package docker.io)");
    // An engine without the Debian base, and no debootstrap to make it.
    const noDebootstrap = await gatekit(["images", "build", "redis"], { env: { PATH: pathWith({ docker: "exit 1" }) } });
    expect(noDebootstrap.exitCode).toBe(1);
    expect(noDebootstrap.stderr).toContain("debootstrap is not installed: apt-get install debootstrap (Debian package debootstrap)");
  });
});
