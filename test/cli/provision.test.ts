// npm test's provisioning step (test/support/provision.ts) on a machine that lacks packages, simulated by a
// dpkg-query on PATH that reports redis-server and chromium not installed.
import { execa } from "execa";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../support/cli.ts";

const fakeBin = mkdtempSync(join(tmpdir(), "gatekit-fake-dpkg-"));
writeFileSync(join(fakeBin, "dpkg-query"), `#!/bin/sh
for a in "$@"; do case "$a" in -*) ;; redis-server|chromium) echo "$a not-installed";; *) echo "$a installed";; esac; done
`);
chmodSync(join(fakeBin, "dpkg-query"), 0o755);
chmodSync(fakeBin, 0o755); // the unprivileged run must reach it too
const env = { PATH: `${fakeBin}:${process.env.PATH}` };
const script = [process.execPath, join(REPO, "node_modules/tsx/dist/cli.mjs"), "test/support/provision.ts", "--dry-run"];
const provision = (asUser: string[] = []) => {
  const [cmd, ...args] = [...asUser, ...script];
  return execa(cmd!, args, { cwd: REPO, env, reject: false, all: true });
};
const asNobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];

describe("npm test provisioning", () => {
  it("as root with apt: says what it installs and why, then the apt-get command (dry run)", async () => {
    if (process.getuid?.() !== 0) throw new Error("this test runs as root, as CI does");
    const r = await provision();
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).toMatch(/installing Debian packages[^\n]*\n\s+redis-server\s+a real Redis[^\n]*\n\s+chromium\s+the console's browser tests/);
    expect(r.all).toContain("would run: apt-get install -y --no-install-recommends redis-server chromium");
    expect(r.all).not.toMatch(/postgresql|nginx/);
  });

  it("without root: stops at once with one message listing what is missing and the command that installs it", async () => {
    const r = await provision(asNobody);
    expect(r.exitCode, r.all).toBe(1);
    expect(r.all).toContain("these system packages are missing");
    expect(r.all).toContain("sudo apt-get install -y --no-install-recommends redis-server chromium");
    expect(r.all).not.toContain("would run");
    expect(r.all?.trim().split("\n").at(-1)).toBe("0 passed, 1 failed");
  });
});
