import type { Reporter, TestCase, TestResult } from "@playwright/test/reporter";
import { writeFileSync } from "node:fs";

// Prints the closing "N passed, N failed" line CI reads, and leaves the counts for ./dev.
export default class SummaryReporter implements Reporter {
  private passed = 0;
  private failed = 0;

  onTestEnd(_test: TestCase, result: TestResult) {
    if (result.status === "passed") this.passed++;
    else if (result.status !== "skipped") this.failed++;
  }

  onEnd() {
    console.log(`${this.passed} passed, ${this.failed} failed`);
    if (process.env.E2E_SUMMARY) writeFileSync(process.env.E2E_SUMMARY, `${this.passed} ${this.failed}\n`);
  }
}
