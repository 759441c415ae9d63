// Spec errors that say what to fix: a typo once, as the typo; type errors in plain words with a valid value;
// YAML syntax errors with their line and a caret; an unset os.environ/ name with the variable that is set.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkEnvironments } from "../../lib/rules/index.ts";
import { formatIssue, loadEnvironment, SpecError } from "../../lib/spec/load.ts";

const dir = mkdtempSync(join(tmpdir(), "gatekit-plain-"));
const dev = readFileSync("environments/dev.yaml", "utf8");

function refusal(text: string): string[] {
  const file = join(dir, "dev.yaml");
  writeFileSync(file, text);
  try {
    loadEnvironment(file);
  } catch (e) {
    if (!(e instanceof SpecError)) throw e;
    return e.issues.map(formatIssue);
  }
  throw new Error("expected the spec to be refused");
}

describe("spec errors in plain words", () => {
  it("a typo is reported once, as the typo, not also as the key it meant being missing", () => {
    const issues = refusal(dev.replace("  num_workers: 2", "  num_worker: 2"));
    expect(issues).toEqual([expect.stringMatching(/dev\.yaml:\d+ gateway\.num_worker: unknown key \(did you mean num_workers\?\)$/)]);
  });

  it("a key that is really missing is still reported", () => {
    const issues = refusal(dev.replace("  num_workers: 2\n", ""));
    expect(issues).toEqual([expect.stringMatching(/gateway\.num_workers: num_workers is missing: it must be a number — for example num_workers: 2$/)]);
  });

  it("a type error says what is allowed, what was found and shows a valid value", () => {
    expect(refusal(dev.replace("  num_workers: 2", '  num_workers: "four"'))).toEqual([
      expect.stringMatching(/gateway\.num_workers: must be a number, not the text "four" — for example num_workers: 2$/),
    ]);
    expect(refusal(dev.replace("  num_workers: 2", '  num_workers: "4"'))).toEqual([
      expect.stringMatching(/gateway\.num_workers: must be a number, but "4" is quoted text: write it without quotes \(num_workers: 4\)$/),
    ]);
    for (const issue of refusal(dev.replace("  num_workers: 2", '  num_workers: "four"'))) expect(issue).not.toMatch(/Invalid input|received/);
  });

  it("a tab in the indentation: one error with the line, a caret and the fix, not the cascade after it", () => {
    const lines = dev.split("\n");
    const at = lines.findIndex((l) => l.startsWith("  num_workers:"));
    lines[at] = `\t${lines[at]}`;
    const [issue, ...rest] = refusal(lines.join("\n"));
    expect(rest).toEqual([]);
    expect(issue).toContain(`dev.yaml:${at + 1} (file): YAML: Tabs are not allowed as indentation (indent with spaces), column 1:`);
    expect(issue).toContain(`\n    ${at + 1} | →  num_workers: 2\n    ${" ".repeat(String(at + 1).length)} | ^`);
  });

  it("a bad indentation points at the line and column", () => {
    const issues = refusal(dev.replace("  num_workers: 2\n", "  num_workers: 2\n     max_requests_before_restart: 10\n"));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/dev\.yaml:\d+ \(file\): YAML: .*\(check the indentation of this line and the next\), column \d+:\n {4}\d+ \| .*\n {4} *\| *\^/);
  });

  it("an unset os.environ/ name names the variable that is set and close to it", () => {
    const file = join(dir, "dev.yaml");
    writeFileSync(file, dev.replaceAll("os.environ/REDIS_PASSWORD", "os.environ/REDIS_PASWORD"));
    const env = loadEnvironment(file);
    const vars = { LITELLM_MASTER_KEY: "sk-test-0123456789abcdef0123456789abcdef", LITELLM_SALT_KEY: "s".repeat(40), POSTGRES_PASSWORD: "p", REDIS_PASSWORD: "r" };
    const found = checkEnvironments([env], vars).filter((f) => f.ruleId === "SecretsPresent").map((f) => f.message);
    expect(found.length).toBeGreaterThan(0);
    for (const m of found) expect(m).toBe("REDIS_PASWORD is not set (did you mean REDIS_PASSWORD? it is set)");
  });
});
