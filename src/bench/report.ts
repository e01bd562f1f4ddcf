/** Renders a {@link BenchReport} as terminal tables and as the Markdown results page. */
import { configLabel, formatMB, formatMs, formatPercent, formatRatio, formatSeconds, markdownTable, textTable } from "./format.js";
import type { BenchReport, ConfigResult, GoalResult, StreamRow } from "./types.js";

interface Section {
  title: string;
  description?: string;
  headers: string[];
  rows: string[][];
  notes: string[];
}

const STREAM_LABELS: Record<StreamRow["variant"], string> = {
  "rex-full": "rex, model loaded once",
  "rex-fit": "rex, model loaded once, fitted window",
  "whisper-cli-full": "whisper-cli, one process per utterance",
  "whisper-cli-fit": "whisper-cli, one process per utterance, fitted (-ac, -nf)",
  "whisper-cli-batch": "whisper-cli, one process for all files (not live)",
  "nodejs-whisper": "nodejs-whisper, one call per utterance",
};

function fileSection(config: ConfigResult): Section {
  const rows: string[][] = [];
  for (const file of config.files) {
    for (const row of file.rows) {
      rows.push([
        file.input,
        formatSeconds(file.seconds),
        row.engine,
        formatMs(row.wallMs),
        formatMs(row.processMs),
        formatMs(row.loadMs),
        formatMs(row.melMs),
        formatMs(row.encodeMs),
        formatMs(row.decodeMs),
        formatMs(row.transcribeMs),
        row.realTimeFactor === null ? "–" : row.realTimeFactor.toFixed(3),
        formatMB(row.maxRssMB),
        formatPercent(row.wordErrorRate),
      ]);
    }
  }
  const notes = config.files
    .filter((file) => file.rows.length > 1)
    .map((file) => {
      const { transcribeVsWhisperCli, encodeVsWhisperCli, wallVsWhisperCli, wallVsNodejsWhisper } = file.ratios;
      return (
        `${file.input}: rex ÷ whisper-cli: transcription ${formatRatio(transcribeVsWhisperCli)}, ` +
        `encoder ${formatRatio(encodeVsWhisperCli)}, wall ${formatRatio(wallVsWhisperCli)}; ` +
        `rex ÷ nodejs-whisper, wall ${formatRatio(wallVsNodejsWhisper)}`
      );
    });
  if (config.encoder) {
    const encoder = config.encoder;
    notes.push(
      `Encoder, full 30 s window, model loaded: rex ${formatMs(encoder.rexEncodeMs)} ms, whisper-bench ` +
        `${formatMs(encoder.whisperBenchEncodeMs)} ms (rex ÷ whisper-bench ${formatRatio(encoder.rexVsWhisperBench)}); ` +
        `whisper-bench decoder: ${formatMs(encoder.whisperBenchDecodeMsPerToken)} ms per token, ` +
        `${formatMs(encoder.whisperBenchBatchdMsPerRun)} ms per batch of 5, ${formatMs(encoder.whisperBenchPromptMsPerRun)} ms per 256-token prompt`,
    );
  }
  return {
    title: "Single files, model not loaded yet",
    description:
      "wall: rex's load + decode + transcribe() in a running Node process, the whole whisper-cli process, or one nodewhisper() call. " +
      "process: the whole process, Node's start-up included. transcribe: rex's transcribe() call, or the sum of whisper.cpp's stage timers. " +
      "Times in ms, peak RSS in MB.",
    headers: ["input", "audio", "engine", "wall", "process", "load", "mel", "encode", "decode", "transcribe", "RTF", "peak RSS", "WER"],
    rows,
    notes,
  };
}

function streamSection(config: ConfigResult): Section | null {
  const stream = config.stream;
  if (!stream) return null;
  const rows = stream.rows.map((row) => [
    STREAM_LABELS[row.variant],
    formatMs(row.totalMs),
    formatMs(row.loadMs),
    formatMs(row.transcribeMs),
    formatMs(row.perUtteranceMs),
    formatMB(row.maxRssMB),
    formatPercent(row.wordErrorRate),
  ]);
  const { rexFullVsWhisperCliFull, rexFitVsWhisperCliFit, rexFullVsNodejsWhisper, rexFitVsNodejsWhisper } = stream.ratios;
  const notes = [
    `rex ÷ whisper-cli: full window ${formatRatio(rexFullVsWhisperCliFull)}, fitted window ${formatRatio(rexFitVsWhisperCliFit)}`,
    `rex ÷ nodejs-whisper: full window ${formatRatio(rexFullVsNodejsWhisper)}, fitted window ${formatRatio(rexFitVsNodejsWhisper)}`,
  ];
  return {
    title: `Stream of ${stream.utterances} short utterances (${formatSeconds(stream.audioSeconds)} of audio), one after another`,
    description:
      "total: from the first utterance to the last transcript, model loading included. " +
      "load and transcribe: the parts of total spent loading the model and transcribing, the rest is process start, file reading and output. " +
      "Times in ms, peak RSS in MB.",
    headers: ["engine", "total", "load", "transcribe", "per utterance", "peak RSS", "WER"],
    rows,
    notes,
  };
}

function audioContextSection(config: ConfigResult, tightMargin: number): Section | null {
  if (config.audioContext.length === 0) return null;
  const rows = config.audioContext.map((row) => [
    row.input,
    formatSeconds(row.seconds),
    row.variant,
    String(row.audioContext),
    formatMs(row.transcribeMs),
    formatMs(row.encodeMs),
    formatMs(row.decodeMs),
    formatPercent(row.wordErrorRate),
  ]);
  return {
    title: "Encoder window (audioContext), rex with the model loaded",
    description:
      "full: whisper's 30 s window (1500 frames of 20 ms). fit: rex's fitAudioContext, the utterance + 128 frames " +
      `(rounded up to a multiple of 256 with flash attention) without retries at higher temperatures. tight: the utterance + ${tightMargin} frames, also without retries. Times in ms.`,
    headers: ["input", "audio", "window", "frames", "transcribe", "encode", "decode", "WER"],
    rows,
    notes: [],
  };
}

function goalLine(goal: GoalResult): string {
  let status = "not measured";
  if (goal.met !== null) status = goal.met ? "met" : "missed";
  // Ratios get three decimals, because the same-work target is 1.02.
  let measured = "–";
  if (goal.measured !== null) measured = goal.unit === "ms" || goal.unit === "MB" ? formatMs(goal.measured) : goal.measured.toFixed(3);
  const unit = goal.unit.startsWith("×") ? goal.unit : ` ${goal.unit}`;
  return `${status}: ${goal.goal}: ${measured}${unit} (target ${goal.target}${unit}; ${configLabel(goal.config)}: ${goal.measuredOn})`;
}

function sections(report: BenchReport): Array<{ config: ConfigResult; sections: Section[] }> {
  const margin = report.settings.tightAudioContextMargin;
  return report.configs.map((config) => {
    const all = [fileSection(config), streamSection(config), audioContextSection(config, margin)];
    return { config, sections: all.filter((section): section is Section => section !== null) };
  });
}

/** Renders the report as plain-text tables for a terminal. */
export function renderText(report: BenchReport): string {
  const { machine, software, settings } = report;
  const lines = [
    `rex bench: ${machine.cpu}, ${machine.cores} cores; rex ${software.rex}, whisper.cpp ${software.whisper}; ` +
      `median of ${settings.runs} run${settings.runs === 1 ? "" : "s"}; ${report.durationSeconds.toFixed(0)} s`,
  ];
  for (const { config, sections: configSections } of sections(report)) {
    lines.push("", `== ${configLabel(config)} ==`);
    for (const reason of config.skipped) lines.push(`skipped: ${reason}`);
    for (const section of configSections) {
      lines.push("", section.title, textTable(section.headers, section.rows), ...section.notes);
    }
  }
  if (report.goals.length > 0) lines.push("", "Goals", ...report.goals.map(goalLine));
  return `${lines.join("\n")}\n`;
}

/** Renders the report as the Markdown results page. `chartFile` is the SVG's path relative to the page. */
export function renderMarkdown(report: BenchReport, chartFile: string | null, analysis: string[]): string {
  const { machine, software, settings } = report;
  const loadWarning =
    Math.max(machine.loadAverage.before, machine.loadAverage.after) > machine.cores / 2
      ? " Other work ran on the machine at the same time, so absolute times are noisy; the ratios compare engines within each run."
      : "";
  const lines = [
    "# rex benchmark results",
    "",
    `Measured ${report.date.slice(0, 10)} on ${machine.cpu} (${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}). ` +
      `One-minute load average: ${machine.loadAverage.before.toFixed(2)} before, ${machine.loadAverage.after.toFixed(2)} after.${loadWarning}`,
    "",
    "Command:",
    "",
    "```sh",
    report.command,
    "```",
    "",
    ...(settings.peers ? ["`bash bench/build-whisper-cpp.sh` builds whisper-cli and whisper-bench once beforehand and links nodejs-whisper to them.", ""] : []),
    `rex ${software.rex} with whisper.cpp ${software.whisper} (${software.whisperSystemInfo}); ` +
      `whisper-cli and whisper-bench ${software.whisperCpp ?? "not run"}; nodejs-whisper ${software.nodejsWhisper ?? "not run"}; ` +
      `espeak-ng ${software.espeakNg ?? "not found"}. Median of ${settings.runs} runs; the benchmark took ${(report.durationSeconds / 60).toFixed(1)} min. ` +
      "Absolute times hold for this machine only; the ratios are the claims.",
    "",
  ];
  if (chartFile) lines.push(`![Time per stage and engine](${chartFile})`, "");
  if (report.goals.length > 0) {
    lines.push("## Goals", "", ...report.goals.map((goal) => `- ${goalLine(goal)}`), "");
  }
  if (analysis.length > 0) lines.push(...analysis, "");
  for (const { config, sections: configSections } of sections(report)) {
    lines.push(`## ${configLabel(config)}`, "");
    for (const reason of config.skipped) lines.push(`Skipped: ${reason}`, "");
    for (const section of configSections) {
      lines.push(`### ${section.title}`, "");
      if (section.description) lines.push(section.description, "");
      lines.push(markdownTable(section.headers, section.rows), "");
      if (section.notes.length > 0) lines.push(...section.notes.map((note) => `- ${note}`), "");
    }
  }
  lines.push("## Inputs", "", markdownTable(["id", "audio", "text"], report.inputs.map((input) => [input.id, formatSeconds(input.seconds), input.reference])), "");
  return `${lines.join("\n")}\n`;
}
