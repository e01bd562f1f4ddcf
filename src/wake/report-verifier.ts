/** The enrollment section of bench/wakeword/RESULTS.md: openWakeWord with a verifier per user. */
import type { VerifierResult, VerifierRow } from "./evaluate-verifier.js";

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;

function rowLabel(row: VerifierRow): string {
  const patience = row.patience > 1 ? `, patience ${row.patience}` : "";
  return (row.verifier ? `gate ${row.gate}, verifier ${row.threshold}` : `classifier ${row.threshold}, no verifier`) + patience;
}

/** Returns the verifier row with the fewest false rejects within `perHour` false accepts, if any. */
export function bestVerifierRow(result: VerifierResult, perHour: number): VerifierRow | undefined {
  const within = result.rows.filter((row) => row.verifier && row.falseAcceptsPerHour <= perHour);
  return within.sort((a, b) => a.falseRejectRate - b.falseRejectRate)[0];
}

/** Writes the summary line: the default verifier threshold beside the classifier alone. */
export function verifierSummary(result: VerifierResult, defaultThreshold: number, goalPerHour: number): string {
  const plain = result.rows.find((row) => !row.verifier && row.threshold === 0.5);
  const verified = result.rows.find(
    (row) => row.verifier && row.threshold === defaultThreshold && row.patience === 1 && row.gate === result.gate,
  );
  const best = bestVerifierRow(result, goalPerHour);
  const describe = (row: VerifierRow | undefined) =>
    row ? `${percent(row.falseRejectRate)} false rejects, ${row.falseAcceptsPerHour.toFixed(2)} false accepts per hour` : "no row";
  return (
    `- openWakeWord \`${result.model}\` with an enrolled verifier (${result.users.length} espeak-ng users, 4 recordings each): ` +
    `${rowLabel(verified!)}: ${describe(verified)}, against ${describe(plain)} for the classifier alone on the same clips. ` +
    `Best within the false-accept goal: ${best ? `${rowLabel(best)}: ${describe(best)}` : "no threshold in the table"}.`
  );
}

/** Writes the results section, with a table of every row. */
export function verifierSection(result: VerifierResult): string[] {
  const lines = [
    `### openWakeWord \`${result.model}\` with an enrolled verifier`,
    "",
    `Each of ${result.users.length} users (every voice with the variants ${result.users.slice(0, 4).map((user) => `\`${user}\``).join(", ")}, ...) ` +
      "enrolls with four recordings of the wake word (rates 150 to 200, pitch 50, clean) and three sentences, then says " +
      "the wake word under the 24 conditions of the main set. The verifier is a logistic regression over the classifier's " +
      "embedding window, fitted to the recordings' best frames against the negative bank (near misses, other wake phrases, " +
      "sentences and a reading text, spoken by the other half of the voices) and the user's sentences. " +
      "False accepts are counted on the main set's negatives spoken by the user's half of the voices, and on the user's " +
      `own ${result.ownNearMisses / Math.max(1, result.users.length)} near misses; ${(result.negativeHours * 60).toFixed(0)} minutes ` +
      "summed over users. The bank holds the same near-miss words as the test set, in other voices.",
    "",
    `${result.positives} positive clips. Enrollments that failed because the verifier rejected one of the user's own ` +
      `recordings: ${result.failedEnrollments.length === 0 ? "none" : result.failedEnrollments.join(", ")} (such users run the classifier alone). ` +
      `Bank frames at the gate: ${Math.round(result.bankFrames)} per user. ` +
      `One enrollment with the bank cached: ${result.enrollSeconds.toFixed(1)} s. Wall time ${Math.round(result.wallSeconds)} s. ` +
      "The verifier adds one dot product of 1,536 values on frames that reach the gate, which is no measurable CPU.",
    "",
    "| setting | false rejects | clean | noisy | false accepts | per hour | on ordinary speech | on own near misses |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const row of result.rows) {
    lines.push(
      `| ${rowLabel(row)} | ${percent(row.falseRejectRate)} | ${percent(row.falseRejectRateClean)} | ` +
        `${percent(row.falseRejectRateNoisy)} | ${row.falseAccepts} | ${row.falseAcceptsPerHour.toFixed(2)} | ` +
        `${row.ordinaryFalseAccepts} | ${row.ownNearMissAccepts} |`,
    );
  }
  lines.push("");
  return lines;
}
