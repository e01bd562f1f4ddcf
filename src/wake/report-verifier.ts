/** The enrollment section of bench/wakeword/RESULTS.md: openWakeWord with a verifier per user. */
import { USER_VARIANTS, type VerifierResult, type VerifierRow } from "./evaluate-verifier.js";

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;

function rowLabel(row: VerifierRow): string {
  const patience = row.patience > 1 ? `, patience ${row.patience}` : "";
  return (row.verifier ? `gate ${row.gate}, verifier ${row.threshold}` : `classifier ${row.threshold}, no verifier`) + patience;
}

/** Returns the verifier row with the fewest false rejects within `limit` false accepts per hour, if any. */
export function bestVerifierRow(result: VerifierResult, limit: number, perHour: (row: VerifierRow) => number): VerifierRow | undefined {
  const within = result.rows.filter((row) => row.verifier && perHour(row) <= limit);
  return within.sort((a, b) => a.falseRejectRate - b.falseRejectRate)[0];
}

/** Writes the summary line: the default verifier threshold beside the classifier alone. */
export function verifierSummary(result: VerifierResult, defaults: { threshold: number; patience: number }, goalPerHour: number): string {
  const plain = result.rows.find((row) => !row.verifier && row.threshold === 0.5);
  const verified = result.rows.find(
    (row) => row.verifier && row.threshold === defaults.threshold && row.patience === defaults.patience && row.gate === result.gate,
  );
  const best = bestVerifierRow(result, goalPerHour, (row) => row.falseAcceptsPerHour);
  const bestOrdinary = bestVerifierRow(result, goalPerHour, (row) => row.ordinaryFalseAcceptsPerHour);
  const describe = (row: VerifierRow | undefined) =>
    row
      ? `${percent(row.falseRejectRate)} false rejects, ${row.falseAcceptsPerHour.toFixed(2)} false accepts per hour ` +
        `(${row.ordinaryFalseAcceptsPerHour.toFixed(2)} on ordinary speech)`
      : "no row";
  const labelled = (row: VerifierRow | undefined) => (row ? `${rowLabel(row)}: ${describe(row)}` : "no setting in the table");
  return (
    `- openWakeWord \`${result.model}\` with an enrolled verifier (${result.users.length} espeak-ng users, 4 recordings each): ` +
    `${labelled(verified)}, against ${describe(plain)} for the classifier alone on the same clips. ` +
    `Best within the false-accept goal on all negatives: ${labelled(best)}; on ordinary speech alone: ${labelled(bestOrdinary)}.`
  );
}

/** Writes the results section, with a table of every row. */
export function verifierSection(result: VerifierResult): string[] {
  const lines = [
    `### openWakeWord \`${result.model}\` with an enrolled verifier`,
    "",
    `Each of ${result.users.length} users (every voice, alone and with the variants ${USER_VARIANTS.filter(Boolean).join(", ")}) ` +
      "enrolls with four recordings of the wake word (rates 150 to 200, pitch 50, clean) and three sentences, then speaks " +
      "the wake word under the 24 conditions of the main set. The verifier is a logistic regression over the classifier's " +
      "embedding window, fitted to the best frames of the recordings and of noisy copies of them (white, pink and brown noise " +
      "at 15 and 5 dB SNR; the test clips carry pink or brown noise at 10 dB) against the negative bank (near misses, other " +
      "wake phrases, sentences and a reading text, spoken by the other half of the voices) and the user's sentences. " +
      "False accepts are counted on the main set's negatives spoken by the user's half of the voices, and on the user's " +
      `own ${result.ownNearMisses / Math.max(1, result.users.length)} near misses: ${(result.negativeHours * 60).toFixed(0)} minutes ` +
      `summed over users, of which ${(result.ordinaryHours * 60).toFixed(0)} are ordinary speech. The bank holds the same ` +
      "near-miss words as the test set, in other voices.",
    "",
    `${result.positives} positive clips. Enrollments that failed because the verifier rejected one of the user's own ` +
      `recordings: ${result.failedEnrollments.length === 0 ? "none" : result.failedEnrollments.join(", ")} (such users run the classifier alone). ` +
      `Bank frames at the gate: ${Math.round(result.bankFrames)} per user. ` +
      `One enrollment with the bank cached: ${result.enrollSeconds.toFixed(1)} s. Wall time ${Math.round(result.wallSeconds)} s. ` +
      "The verifier adds one dot product of 1,536 values on frames that reach the gate, which is no measurable CPU. " +
      "Enrollment's default (gate 0.001, verifier 0.98, patience 2) was chosen from this table: the setting with the " +
      "fewest false rejects within 0.5 false accepts per hour of ordinary speech.",
    "",
    "| setting | false rejects | clean | noisy | false accepts | per hour | on ordinary speech | per hour | on own near misses |",
    "|---|---|---|---|---|---|---|---|---|",
  ];
  for (const row of result.rows) {
    lines.push(
      `| ${rowLabel(row)} | ${percent(row.falseRejectRate)} | ${percent(row.falseRejectRateClean)} | ` +
        `${percent(row.falseRejectRateNoisy)} | ${row.falseAccepts} | ${row.falseAcceptsPerHour.toFixed(2)} | ` +
        `${row.ordinaryFalseAccepts} | ${row.ordinaryFalseAcceptsPerHour.toFixed(2)} | ${row.ownNearMissAccepts} |`,
    );
  }
  lines.push("");
  return lines;
}
