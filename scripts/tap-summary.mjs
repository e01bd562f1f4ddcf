// Passes tap's TAP output through and ends it with one line, "N passed, N failed, N skipped",
// that counts tests (the subtests inside each test file), not assertions.
import { createInterface } from "node:readline";

const SUBTEST_RESULT = /^ {4}(not ok|ok) \d+ - (.*)$/;
const FILE_RESULT = /^(not ok|ok) \d+ - (.*)$/;
const counts = { passed: 0, failed: 0, skipped: 0 };
let testsInFile = 0;
let failuresInFile = 0;

function record(status, description) {
  if (/# (SKIP|TODO)\b/i.test(description)) counts.skipped++;
  else if (status === "ok") counts.passed++;
  else counts.failed++;
}

for await (const line of createInterface({ input: process.stdin })) {
  process.stdout.write(`${line}\n`);
  const subtest = SUBTEST_RESULT.exec(line);
  if (subtest) {
    record(subtest[1], subtest[2]);
    testsInFile++;
    if (subtest[1] === "not ok") failuresInFile++;
    continue;
  }
  const file = FILE_RESULT.exec(line);
  if (!file) continue;
  // A file with no subtests counts as one test. A file that failed although all its subtests
  // passed (a crash, a timeout, a failed top-level assertion) counts as one more failure.
  if (testsInFile === 0) record(file[1], file[2]);
  else if (file[1] === "not ok" && failuresInFile === 0) counts.failed++;
  testsInFile = 0;
  failuresInFile = 0;
}
const skipped = counts.skipped > 0 ? `, ${counts.skipped} skipped` : "";
process.stdout.write(`\n${counts.passed} passed, ${counts.failed} failed${skipped}\n`);
