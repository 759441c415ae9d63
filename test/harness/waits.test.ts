// The harness's waits say what they waited for and what the process printed, never `[object Object]`.
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { tail, waitFor } from "../support/gateway-process.ts";

describe("waitFor", () => {
  it("a process that exits stops the wait at once, with what was awaited and its last lines", async () => {
    const proc = execa("sh", ["-c", "echo starting; echo 'Error: listen EADDRINUSE :::4001' >&2; exit 3"], { all: true, reject: false });
    const output = tail(proc);
    const e = (await waitFor(async () => false, 60_000, () => proc.exitCode !== null, () => `the health app to answer\n${output()}`).catch((x: Error) => x)) as Error;
    expect(e.message).toMatch(/^gave up after [\d.]+ s \(the process exited\) waiting for the health app to answer \(last check: false\)/);
    expect(e.message).toContain("last 2 line(s) of its output:\n  starting\n  Error: listen EADDRINUSE :::4001");
    expect(e.message).not.toContain("[object");
  });

  it("a timeout names the check and its last error when no description is given", async () => {
    const e = (await waitFor(async () => { throw new Error("connect ECONNREFUSED 127.0.0.1:1"); }, 300).catch((x: Error) => x)) as Error;
    expect(e.message).toMatch(/^timed out after 0.3 s waiting for `async \(\) => \{ throw new Error/);
    expect(e.message).toContain("(last check: connect ECONNREFUSED 127.0.0.1:1)");
  });
});
