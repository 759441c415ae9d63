// The suite's last line, plain for CI and for people: `N passed, M failed`. A test file that fails before any
// of its tests run (an import error, a failing beforeAll) counts as one failure, so it can't pass unnoticed.
import type { Reporter, TestModule } from "vitest/node";

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, errors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = errors.length;
    for (const m of modules) {
      const tests = [...m.children.allTests()];
      passed += tests.filter((t) => t.result().state === "passed").length;
      const failedTests = tests.filter((t) => t.result().state === "failed").length;
      failed += failedTests || (m.state() === "failed" ? 1 : 0);
    }
    console.log(`\n${passed} passed, ${failed} failed`);
  }
}
