import { COMMANDS, NEAR_MISSES, SENTENCES } from "./corpus.js";
import { NOISE_SNR_DB, PITCHES, RATES } from "./dataset.js";
import type { EngineResult, ThresholdRow, WakeBenchmarkReport } from "./evaluate.js";
import { verifierSection, verifierSummary } from "./report-verifier.js";
import { VERIFIER_DEFAULTS } from "./verifier.js";

/** openWakeWord's published target for its models. */
const GOAL_FALSE_REJECT_RATE = 0.05;
const GOAL_FALSE_ACCEPTS_PER_HOUR = 0.5;
const GOAL_CPU_PERCENT = 5;

const percent = (value: number, digits = 1) => `${(value * 100).toFixed(digits)}%`;

function thresholdTable(result: EngineResult): string[] {
  const lines = [
    "| threshold | patience | false rejects | clean | noisy | false accepts | per hour | on ordinary speech | per hour | near misses accepted |",
    "|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const row of result.rows) {
    lines.push(
      `| ${row.threshold} | ${row.patience ?? "-"} | ${percent(row.falseRejectRate)} | ${percent(row.falseRejectRateClean)} | ` +
        `${percent(row.falseRejectRateNoisy)} | ${row.falseAccepts} | ${row.falseAcceptsPerHour.toFixed(2)} | ` +
        `${row.ordinaryFalseAccepts} | ${row.ordinaryFalseAcceptsPerHour.toFixed(2)} | ${percent(row.nearMissAcceptRate)} |`,
    );
  }
  return lines;
}

function engineSection(result: EngineResult): string[] {
  const title = result.engine === "openwakeword" ? `openWakeWord \`${result.label}\`` : `Phrase engine, whisper ${result.label}`;
  const scope = result.scope === "full" ? "whole set" : "comparison subset";
  const lines = [
    `### ${title} (${scope})`,
    "",
    `${result.positives} positive clips; ${result.negatives} negative clips, ${(result.negativeHours * 60).toFixed(1)} minutes, ` +
      `of which ${(result.ordinaryHours * 60).toFixed(1)} minutes are ordinary speech (sentences and reading) and ` +
      `${result.nearMisses} clips are near misses. Wall time ${Math.round(result.wallSeconds)} s.`,
    "",
    `CPU time over audio time, in percent of one core: ${result.cpuPercent.toFixed(2)}% over all clips, ` +
      (result.scope === "full" ? `${result.cpuPercentSpeech.toFixed(2)}% on continuous reading, ` : "") +
      `${result.cpuPercentIdle.toFixed(2)}% on quiet noise without speech.`,
    "",
    ...thresholdTable(result),
    "",
  ];
  if (result.commandExactRate !== undefined) {
    lines.push(
      `Commands after the phrase, at the default threshold: ${percent(result.commandExactRate)} came back word for word; ` +
        `word error rate ${percent(result.commandWordErrorRate ?? 0)}.`,
      "",
    );
  }
  const voices = Object.entries(result.falseRejectsByVoice);
  if (voices.length > 0 && result.scope === "full") {
    lines.push("False rejects by voice at the default settings:", "", "| voice | clips | rejected |", "|---|---|---|");
    for (const [voice, row] of voices) lines.push(`| ${voice} | ${row.clips} | ${percent(row.rejected / Math.max(1, row.clips))} |`);
    lines.push("");
  }
  if (result.missedPositives?.length) {
    lines.push("Transcripts of some missed positives: " + result.missedPositives.map((text) => `"${text}"`).join(", ") + ".", "");
  }
  if (result.acceptedNearMisses?.length) {
    lines.push("Near misses that woke it (spoken → transcript): " + result.acceptedNearMisses.map((text) => `"${text}"`).join(", ") + ".", "");
  }
  return lines;
}

/** Picks the row with the fewest false rejects among those within the false-accept goal. */
function bestWithinGoal(result: EngineResult, perHour: (row: ThresholdRow) => number): ThresholdRow | undefined {
  const within = result.rows.filter((row) => perHour(row) <= GOAL_FALSE_ACCEPTS_PER_HOUR);
  return within.sort((a, b) => a.falseRejectRate - b.falseRejectRate)[0];
}

function describeRow(row: ThresholdRow | undefined): string {
  if (!row) return "no threshold in the table";
  const patience = row.patience === undefined ? "" : `, patience ${row.patience}`;
  return `threshold ${row.threshold}${patience}: ${percent(row.falseRejectRate)} false rejects, ` +
    `${row.falseAcceptsPerHour.toFixed(2)} false accepts per hour (${row.ordinaryFalseAcceptsPerHour.toFixed(2)} on ordinary speech)`;
}

function summaryLines(report: WakeBenchmarkReport): string[] {
  const lines = [
    "## Summary",
    "",
    `Goal: at most ${percent(GOAL_FALSE_REJECT_RATE, 0)} false rejects and at most ${GOAL_FALSE_ACCEPTS_PER_HOUR} false accepts ` +
      `per hour, and for openWakeWord under ${GOAL_CPU_PERCENT}% of one core (openWakeWord's published target).`,
    "",
  ];
  for (const result of report.results.filter((entry) => entry.scope === "full")) {
    const defaults = result.rows.find((row) => row.threshold === result.defaultThreshold && (row.patience ?? 1) === 1);
    const best = bestWithinGoal(result, (row) => row.falseAcceptsPerHour);
    const bestOrdinary = bestWithinGoal(result, (row) => row.ordinaryFalseAcceptsPerHour);
    const met = best !== undefined && best.falseRejectRate <= GOAL_FALSE_REJECT_RATE;
    lines.push(
      `- ${result.engine === "openwakeword" ? `openWakeWord \`${result.label}\`` : `Phrase engine (${result.label})`}: ` +
        `default ${describeRow(defaults)}. Best within the false-accept goal on all negatives: ${describeRow(best)}; ` +
        `on ordinary speech alone: ${describeRow(bestOrdinary)}. CPU ${result.cpuPercent.toFixed(2)}% of one core ` +
        `(${result.cpuPercentIdle.toFixed(2)}% without speech). Goal ${met ? "met" : "not met"} on this set.`,
    );
  }
  if (report.verifier) lines.push(verifierSummary(report.verifier, VERIFIER_DEFAULTS, GOAL_FALSE_ACCEPTS_PER_HOUR));
  const compared = report.results.filter((entry) => entry.scope === "comparison");
  if (compared.length > 0) {
    lines.push(
      "",
      "Phrase engine set-ups on the comparison subset (every fourth positive clip, the near misses and the sentences), " +
        "at each scoring's default threshold:",
      "",
      "| whisper set-up | threshold | false rejects | false accepts per hour | near misses accepted | commands word for word | CPU, % of one core |",
      "|---|---|---|---|---|---|---|",
    );
    for (const result of compared) {
      const row = result.rows.find((entry) => entry.threshold === result.defaultThreshold);
      if (!row) continue;
      lines.push(
        `| ${result.label} | ${result.defaultThreshold} | ${percent(row.falseRejectRate)} | ${row.falseAcceptsPerHour.toFixed(2)} | ${percent(row.nearMissAcceptRate)} | ` +
          `${percent(result.commandExactRate ?? 0)} | ${result.cpuPercent.toFixed(2)} |`,
      );
    }
  }
  lines.push("");
  return lines;
}

/** Renders the report as the Markdown of bench/wakeword/RESULTS.md. */
export function formatWakeWordReport(report: WakeBenchmarkReport, run: { command: string; wallSeconds: number }): string {
  const { dataset } = report;
  const positives = Object.entries(dataset.positivesPerPhrase).map(([phrase, count]) => `${count} for "${phrase}"`).join(", ");
  const negatives = Object.entries(dataset.negativeHours)
    .map(([phrase, hours]) => `${(hours * 60).toFixed(1)} minutes against "${phrase}"`)
    .join(", ");
  const sampling = dataset.full
    ? "Every voice speaks with every variant under all 24 conditions."
    : "Each voice speaks once with each variant, and the pairs take the 24 conditions in turn, so every voice " +
      "meets every condition about four times. `--full` speaks every pair under every condition (24 times the clips).";
  const lines = [
    "# Wake-word benchmark",
    "",
    `Command: \`${run.command}\``,
    "",
    `Date: ${report.date}. Machine: ${report.machine}. Wall time: ${Math.round(run.wallSeconds)} s, other processes sharing the cores.`,
    "",
    "## Data set",
    "",
    `Generated with ${report.espeakVersion} and sox, cached in \`${dataset.dir}\` (${dataset.clips} clips).`,
    "",
    `- Voices: ${dataset.voices.join(", ")} (every English voice that espeak-ng speaks here), with all ${dataset.variants} variants.`,
    `- Skipped: ${dataset.skippedVoices.length} MBROLA voices (${dataset.skippedVoices.map((skip) => skip.voice).join(", ")}), ` +
      "which need the mbrola synthesizer and voice files that are not installed.",
    `- Conditions: rates ${RATES.join(", ")} words per minute, pitches ${PITCHES.join(" and ")}, the phrase alone or followed by ` +
      `a command (${COMMANDS.length} commands in turn), and clean or mixed with pink or brown noise at ${NOISE_SNR_DB} dB SNR ` +
      "(active speech level). All clips get 0.5 s of quiet before and 1 s after, over a -70 dBFS noise floor.",
    `- Sampling: ${sampling}`,
    `- Positives: ${positives}.`,
    `- Negatives: ${SENTENCES.length} everyday sentences, a generated reading text (template sentences read in paragraphs by ` +
      `all voices in turn), ${Object.values(NEAR_MISSES).flat().length} near misses (${Object.values(NEAR_MISSES).flat().map((text) => `"${text}"`).join(", ")}) ` +
      "each spoken by every voice alone and before a command, and the other phrase's positives. In total " +
      `${negatives}.`,
    "",
    "All speech is synthetic. openWakeWord's models were trained on speech from other text-to-speech models, and " +
      "openWakeWord measured its target on recorded speech, so these numbers are not comparable with its published ones.",
    "",
    "The phrase engine transcribes the start of each utterance freely and scores it in one of two ways, named in each label. " +
      "Transcript scoring compares the phonetic key of the transcript's first words with the phrase's. Guided scoring forces " +
      "the phrase's spellings (such as \" Hey Rex\" and \" Hey, rex\") through whisper's decoder against the same encoded audio, " +
      "and takes the geometric mean over the tokens of each token's probability divided by that of whisper's first choice at that step.",
    "",
    "A false reject is a positive clip without a detection. False accepts count every detection in the negative clips, " +
      "with the engine's refractory period, per hour of negative audio. CPU time is the process's user and system time " +
      "while the engine ran on 80 ms chunks, over the duration of that audio.",
    "",
    ...summaryLines(report),
    "## Results",
    "",
  ];
  for (const result of report.results) lines.push(...engineSection(result));
  if (report.verifier) lines.push(...verifierSection(report.verifier));
  return lines.join("\n").trimEnd() + "\n";
}
