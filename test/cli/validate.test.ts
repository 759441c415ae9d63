import { describe, expect, it } from "vitest";
import { gatekit } from "../support/cli.ts";
import { TEST_VARS } from "../support/vars.ts";

describe("gatekit validate", () => {
  it("passes the three shipped specs (exit 0) and prints each environment's connection arithmetic", async () => {
    const r = await gatekit(["validate"], { env: TEST_VARS });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/✓ prod .*0 error/);
    expect(r.stdout).toContain("database connections: 10 pool × 4 workers × 1 instance + 10 reserved = 50 ≤ max_connections 100");
  });

  it("refuses 3 instances × 4 workers × pool 10 against max_connections 100 (exit 1), naming the rule and the arithmetic", async () => {
    const r = await gatekit(["validate", "test/fixtures/specs/prod-3x4.yaml"], { env: TEST_VARS });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain("DbConnectionBudget");
    expect(r.stdout).toContain("10 pool × 4 workers × 3 instances + 10 reserved = 130 > max_connections 100");
  });

  it("--json carries ruleId, severity, path, message and fix", async () => {
    const r = await gatekit(["validate", "--json", "test/fixtures/specs/prod-3x4.yaml"], { env: TEST_VARS });
    const out = JSON.parse(r.stdout);
    expect(out.environments[0]).toMatchObject({ name: "prod-3x4", ok: false, connections: { total: 130, max: 100 } });
    expect(out.findings).toContainEqual(expect.objectContaining({ ruleId: "DbConnectionBudget", severity: "error", path: "postgres.max_connections", fix: expect.any(String) }));
  });

  it("exit 2 when a spec can't be read, and missing secrets are named without values", async () => {
    expect((await gatekit(["validate", "no-such-env"])).exitCode).toBe(2);
    const r = await gatekit(["validate", "prod"], { env: { ...TEST_VARS, GEMINI_API_KEY: "" } });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain("GEMINI_API_KEY is not set");
    for (const v of Object.values(TEST_VARS)) expect(r.stdout).not.toContain(v);
  });
});
