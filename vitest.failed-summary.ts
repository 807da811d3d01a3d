/**
 * A vitest reporter that prints one line per failed test (file and full name) as the very last
 * lines of a run. Checks that keep only the tail of a long run's output (CI's summary, the
 * fresh-clone check) then still say which tests failed, not only how many.
 */
import type { Reporter, TestModule } from "vitest/node";

export default class FailedSummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const failed: string[] = [];
    for (const module of testModules) {
      if (module.state() === "failed" && [...module.children.allTests()].every((t) => t.result().state !== "failed")) {
        failed.push(`${module.moduleId.replace(`${process.cwd()}/`, "")} (the file itself: a hook or import failed)`);
      }
      for (const test of module.children.allTests()) {
        if (test.result().state === "failed") failed.push(`${module.moduleId.replace(`${process.cwd()}/`, "")} > ${test.fullName}`);
      }
    }
    if (failed.length === 0) return;
    process.stdout.write(`\nFailed (${failed.length}):\n${failed.map((f) => `  ${f}`).join("\n")}\n`);
  }
}
