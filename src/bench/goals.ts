/**
 * The targets that rex's benchmark reports against. They are checked on this run's numbers
 * only. Tests never assert them, because times depend on the machine.
 */
import { maxOrNull, medianOrNull, minOrNull } from "./stats.js";
import type { ConfigResult, GoalResult } from "./types.js";

/** rex's transcription may take at most this much longer than whisper-cli's for the same work. */
const SAME_WORK_TOLERANCE = 1.02;
/** rex must be at least this many times faster than nodejs-whisper on the stream. */
const NODEJS_WHISPER_STREAM_SPEEDUP = 3;
/** Thread count of the latency goals. */
const LATENCY_THREADS = 2;
/** Maximum end-of-speech to transcript time for the 3 s command, by model. base replaces base.en where that is missing. */
const LATENCY_TARGETS_MS: Record<string, number> = { "tiny.en": 150, "base.en": 300, base: 300 };
/** Maximum peak resident memory of rex with a base model loaded. */
const BASE_MEMORY_TARGET_MB = 350;

type GoalCheck = Omit<GoalResult, "config" | "met">;

function checkGoal(config: ConfigResult, check: GoalCheck): GoalResult {
  const { model, threads, backend, flashAttention } = config;
  const { measured, target } = check;
  let met: boolean | null = null;
  if (measured !== null) met = check.comparison === "at-most" ? measured <= target : measured >= target;
  return { ...check, config: { model, threads, backend, flashAttention }, met };
}

/** Returns the goal checks that apply to one configuration. */
function goalChecks(config: ConfigResult): GoalCheck[] {
  const checks: GoalCheck[] = [];
  // The goal is about rex's systematic overhead, so it is checked on the median of every paired
  // run of every file. One file's median still scatters with machine load.
  const pooled = medianOrNull(config.files.flatMap((file) => file.transcribeVsWhisperCliByRun ?? []));
  const perFile = config.files.map((file) => file.ratios.transcribeVsWhisperCli);
  if (pooled !== null) {
    const lowest = minOrNull(perFile);
    const highest = maxOrNull(perFile);
    const range = lowest === null || highest === null ? "" : `, per-file medians ${lowest.toFixed(2)} to ${highest.toFixed(2)}`;
    checks.push({
      id: "same-work",
      goal: "transcription time within 2% of whisper-cli's for the same work",
      measuredOn: `median of rex ÷ whisper-cli over every run of every single file${range}`,
      target: SAME_WORK_TOLERANCE,
      measured: pooled,
      unit: "×",
      comparison: "at-most",
    });
  }

  const stream = config.stream?.ratios;
  if (stream?.rexFullVsWhisperCliFull != null) {
    checks.push({
      id: "stream-vs-whisper-cli",
      goal: "faster than whisper-cli on a stream of short utterances",
      measuredOn: "stream, full window, rex ÷ whisper-cli",
      target: 1,
      measured: stream.rexFullVsWhisperCliFull,
      unit: "×",
      comparison: "at-most",
    });
  }
  if (stream?.rexFitVsNodejsWhisper != null) {
    checks.push({
      id: "stream-vs-nodejs-whisper",
      goal: `at least ${NODEJS_WHISPER_STREAM_SPEEDUP}× faster than nodejs-whisper on the stream`,
      measuredOn: "stream, nodejs-whisper ÷ rex with the fitted window",
      target: NODEJS_WHISPER_STREAM_SPEEDUP,
      measured: 1 / stream.rexFitVsNodejsWhisper,
      unit: "× faster",
      comparison: "at-least",
    });
  }

  const latencyTarget = LATENCY_TARGETS_MS[config.model];
  const command = config.audioContext.find((row) => row.input === "command" && row.variant === "fit");
  if (latencyTarget !== undefined && config.threads === LATENCY_THREADS && command) {
    checks.push({
      id: "latency",
      goal: `end of speech to transcript for a 3 s command at most ${latencyTarget} ms`,
      measuredOn: `"command" (${command.seconds.toFixed(1)} s), fitted window, model loaded`,
      target: latencyTarget,
      measured: command.transcribeMs,
      unit: "ms",
      comparison: "at-most",
    });
  }

  if ((config.model === "base" || config.model === "base.en") && config.rexMaxRssMB !== null) {
    checks.push({
      id: "memory",
      goal: `peak resident memory with ${config.model} loaded at most ${BASE_MEMORY_TARGET_MB} MB`,
      measuredOn: "largest rex worker",
      target: BASE_MEMORY_TARGET_MB,
      measured: config.rexMaxRssMB,
      unit: "MB",
      comparison: "at-most",
    });
  }
  return checks;
}

/** Checks every goal that applies to the measured configurations. */
export function evaluateGoals(configs: ConfigResult[]): GoalResult[] {
  return configs.flatMap((config) => goalChecks(config).map((check) => checkGoal(config, check)));
}
