import type { Reporter, TestCase, TestResult } from "@playwright/test/reporter";
import { writeFileSync } from "node:fs";

// Prints the closing "N passed, N failed" line CI reads, and leaves the counts for ./dev.
// Failed tests are named again just above it, with the first line of their error, so that
// the end of a long log says what broke.
export default class SummaryReporter implements Reporter {
  private passed = 0;
  private failed: string[] = [];

  onTestEnd(test: TestCase, result: TestResult) {
    if (result.status === "passed") this.passed++;
    else if (result.status !== "skipped") {
      const project = test.parent.project()?.name ?? "";
      const where = `${test.location.file.replace(/^.*\/tests\//, "")}:${test.location.line}`;
      const message = (result.error?.message ?? result.status).replace(/\x1b\[[0-9;]*m/g, "");
      const why = message.split("\n")[0].slice(0, 200);
      this.failed.push(`[${project}] ${where} ${test.title} (${result.duration} ms): ${why}`);
    }
  }

  onEnd() {
    for (const line of this.failed) console.log(`failed: ${line}`);
    console.log(`${this.passed} passed, ${this.failed.length} failed`);
    if (process.env.E2E_SUMMARY) {
      const lines = [`${this.passed} ${this.failed.length}`, ...this.failed.map((l) => `failed: ${l}`)];
      writeFileSync(process.env.E2E_SUMMARY, lines.join("\n") + "\n");
    }
  }
}
