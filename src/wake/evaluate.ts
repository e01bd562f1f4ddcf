/**
 * The wake-word benchmark behind `rex bench wakeword`: runs each engine over the espeak-ng set
 * from dataset.ts in 80 ms chunks, as a capture loop would, and reports false rejects, false
 * accepts per hour and CPU time for a range of thresholds.
 */
import { cpus, totalmem } from "node:os";
import { execFileSync } from "node:child_process";

import { Transcriber } from "../speech/transcriber.js";
import { type Clip, type Dataset, defaultCacheDir, prepareDataset, readClip } from "./dataset.js";
import { OpenWakeWordDetector, OPENWAKEWORD_DEFAULTS, spokenPhrase, stepDecision, type DecisionSettings } from "./openwakeword.js";
import { PHRASE_DEFAULT_THRESHOLDS, PHRASE_DEFAULTS, PhraseSpotter, type PhraseScoring, type PhraseTranscript } from "./phrase-spotter.js";
import type { WakeWordDetector } from "./types.js";
import { benchmarkVerifier, type VerifierResult } from "./evaluate-verifier.js";

const SAMPLE_RATE = 16000;
const CHUNK_SAMPLES = 1280;
/** Seconds of quiet noise used to measure the CPU time of an engine without speech. */
const IDLE_SECONDS = 60;

export const OPENWAKEWORD_THRESHOLDS = [0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 0.95];
/** Thresholds of the phrase engine's table, for each scoring. */
export const PHRASE_THRESHOLDS: Readonly<Record<PhraseScoring, number[]>> = {
  transcript: [0.5, 0.6, 0.7, 0.8, 0.9, 1],
  guided: [0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.7],
};

/** One whisper set-up of the phrase engine. */
export interface PhraseConfig {
  /** Short label such as "tiny.en" or "tiny.en + prompt". */
  label: string;
  whisperModelPath: string;
  promptWithPhrase: boolean;
  scoring: PhraseScoring;
}

export interface WakeBenchmarkOptions {
  /** openWakeWord model to measure; default hey_jarvis. */
  model?: string;
  /** Phrase for the phrase engine; default "hey rex". */
  phrase?: string;
  /** Silero VAD model in ggml format, for the phrase engine. */
  vadModelPath?: string;
  /**
   * Phrase engine set-ups. The first runs on the whole set. When there are more, all of them
   * also run on the comparison subset: every fourth positive clip, the near misses and the sentences.
   */
  phraseConfigs?: PhraseConfig[];
  /** Engines to run; default all three: openwakeword, verifier (openWakeWord with enrolled users) and phrase. */
  engines?: WakeBenchEngine[];
  /** Whisper threads; default 1, as in the phrase engine. */
  threads?: number;
  cacheDir?: string;
  full?: boolean;
  /** Receives progress lines. */
  log?: (line: string) => void;
}

export type WakeBenchEngine = "openwakeword" | "verifier" | "phrase";

export interface ThresholdRow {
  threshold: number;
  patience?: number;
  falseRejectRate: number;
  falseRejectRateClean: number;
  falseRejectRateNoisy: number;
  falseAcceptsPerHour: number;
  falseAccepts: number;
  /** False accepts per hour of ordinary speech: the sentences and the reading text. */
  ordinaryFalseAcceptsPerHour: number;
  ordinaryFalseAccepts: number;
  /** Share of near-miss clips that woke rex. */
  nearMissAcceptRate: number;
}

export interface EngineResult {
  engine: "openwakeword" | "phrase";
  label: string;
  /** "full" for the whole set, "comparison" for the subset. */
  scope: "full" | "comparison";
  positives: number;
  negatives: number;
  negativeHours: number;
  /** Hours of the sentences and the reading text. */
  ordinaryHours: number;
  nearMisses: number;
  rows: ThresholdRow[];
  /** The engine's default threshold, at which the summary and the per-voice table are taken. */
  defaultThreshold: number;
  /** CPU time over audio time on the clips, in percent of one core. */
  cpuPercent: number;
  /** The same for the negative reading set alone: continuous speech. */
  cpuPercentSpeech: number;
  /** The same for quiet noise without speech. */
  cpuPercentIdle: number;
  wallSeconds: number;
  /** Phrase engine: share of positives with a command whose command text came back word for word. */
  commandExactRate?: number;
  /** Phrase engine: word error rate of the returned command text against the spoken one. */
  commandWordErrorRate?: number;
  /** False rejects by voice at the default threshold. */
  falseRejectsByVoice: Record<string, { clips: number; rejected: number }>;
  /** Up to ten transcripts of near misses that woke the phrase engine at its default threshold. */
  acceptedNearMisses?: string[];
  /** Up to ten transcripts of positives that the phrase engine missed at its default threshold. */
  missedPositives?: string[];
}

export interface WakeBenchmarkReport {
  date: string;
  machine: string;
  espeakVersion: string;
  dataset: {
    dir: string;
    clips: number;
    positivesPerPhrase: Record<string, number>;
    negativeHours: Record<string, number>;
    voices: string[];
    variants: number;
    skippedVoices: Dataset["skippedVoices"];
    full: boolean;
  };
  results: EngineResult[];
  /** openWakeWord with a verifier per enrolled user; absent when the "verifier" engine did not run. */
  verifier?: VerifierResult;
}

interface ClipScores {
  clip: Clip;
  /** openWakeWord: score per 80 ms frame. */
  frames?: Float32Array;
  /** Phrase engine: one entry per utterance. */
  utterances?: PhraseTranscript[];
}

interface EngineRun {
  scores: ClipScores[];
  cpuSeconds: number;
  audioSeconds: number;
  speechCpuSeconds: number;
  speechAudioSeconds: number;
  idleCpuPercent: number;
  wallSeconds: number;
}

function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

async function idleCpuPercent(detector: WakeWordDetector): Promise<number> {
  detector.reset();
  const quiet = new Float32Array(IDLE_SECONDS * SAMPLE_RATE);
  for (let i = 0; i < quiet.length; i++) quiet[i] = (((i * 2654435761) >>> 0) / 4294967296 - 0.5) * 6e-4;
  const start = process.cpuUsage();
  for (let offset = 0; offset < quiet.length; offset += CHUNK_SAMPLES) {
    await detector.process(quiet.subarray(offset, offset + CHUNK_SAMPLES));
  }
  return (cpuSecondsSince(start) / IDLE_SECONDS) * 100;
}

/** Streams every clip through `detector` and collects what `collect` gathered per clip. */
async function runClips(
  dataset: Dataset,
  clips: Clip[],
  detector: WakeWordDetector,
  collect: { begin(): void; end(clip: Clip): ClipScores },
  log: (line: string) => void,
  label: string,
): Promise<EngineRun> {
  const started = performance.now();
  const run: EngineRun = { scores: [], cpuSeconds: 0, audioSeconds: 0, speechCpuSeconds: 0, speechAudioSeconds: 0, idleCpuPercent: 0, wallSeconds: 0 };
  let reported = performance.now();
  for (const [index, clip] of clips.entries()) {
    const pcm = await readClip(dataset, clip);
    detector.reset();
    collect.begin();
    const start = process.cpuUsage();
    for (let offset = 0; offset < pcm.length; offset += CHUNK_SAMPLES) {
      await detector.process(pcm.subarray(offset, offset + CHUNK_SAMPLES));
    }
    const cpu = cpuSecondsSince(start);
    run.cpuSeconds += cpu;
    run.audioSeconds += clip.seconds;
    if (clip.set === "reading") {
      run.speechCpuSeconds += cpu;
      run.speechAudioSeconds += clip.seconds;
    }
    run.scores.push(collect.end(clip));
    if (performance.now() - reported > 30_000) {
      reported = performance.now();
      log(`${label}: ${index + 1}/${clips.length} clips`);
    }
  }
  run.idleCpuPercent = await idleCpuPercent(detector);
  run.wallSeconds = (performance.now() - started) / 1000;
  return run;
}

function isPositiveFor(clip: Clip, phrase: string): boolean {
  return clip.set === "positive" && clip.phrase === phrase;
}

function openWakeWordRow(scores: ClipScores[], phrase: string, settings: DecisionSettings, negativeHours: number): ThresholdRow {
  const detectionsIn = (frames: Float32Array) => {
    const state = { consecutive: 0, refractoryUntil: 0 };
    let count = 0;
    for (const [index, score] of frames.entries()) {
      if (stepDecision(state, score, (index + 1) * CHUNK_SAMPLES, settings)) count++;
    }
    return count;
  };
  return summarize(
    scores,
    phrase,
    (entry) => detectionsIn(entry.frames!),
    { threshold: settings.threshold, patience: settings.patience },
    negativeHours,
  );
}

function phraseDetections(entry: ClipScores, threshold: number, refractorySamples: number): number {
  let count = 0;
  let refractoryUntil = 0;
  for (const utterance of entry.utterances!) {
    if (utterance.score >= threshold && utterance.startSample >= refractoryUntil) {
      count++;
      refractoryUntil = utterance.endSample + refractorySamples;
    }
  }
  return count;
}

function summarize(
  scores: ClipScores[],
  phrase: string,
  detections: (entry: ClipScores) => number,
  setting: { threshold: number; patience?: number },
  negativeHours: number,
): ThresholdRow {
  let positives = 0, rejected = 0, clean = 0, cleanRejected = 0, falseAccepts = 0, nearMisses = 0, nearMissAccepts = 0;
  let ordinaryFalseAccepts = 0, ordinarySeconds = 0;
  for (const entry of scores) {
    const count = detections(entry);
    if (isPositiveFor(entry.clip, phrase)) {
      positives++;
      if (entry.clip.noise === "none") clean++;
      if (count === 0) {
        rejected++;
        if (entry.clip.noise === "none") cleanRejected++;
      }
    } else {
      falseAccepts += count;
      if (entry.clip.set === "sentence" || entry.clip.set === "reading") {
        ordinaryFalseAccepts += count;
        ordinarySeconds += entry.clip.seconds;
      }
      if (entry.clip.set === "near-miss") {
        nearMisses++;
        if (count > 0) nearMissAccepts++;
      }
    }
  }
  const noisy = positives - clean;
  return {
    ...setting,
    falseRejectRate: rejected / Math.max(1, positives),
    falseRejectRateClean: cleanRejected / Math.max(1, clean),
    falseRejectRateNoisy: (rejected - cleanRejected) / Math.max(1, noisy),
    falseAccepts,
    falseAcceptsPerHour: falseAccepts / Math.max(1e-9, negativeHours),
    ordinaryFalseAccepts,
    ordinaryFalseAcceptsPerHour: ordinaryFalseAccepts / Math.max(1e-9, ordinarySeconds / 3600),
    nearMissAcceptRate: nearMissAccepts / Math.max(1, nearMisses),
  };
}

function rejectsByVoice(scores: ClipScores[], phrase: string, detected: (entry: ClipScores) => boolean) {
  const byVoice: Record<string, { clips: number; rejected: number }> = {};
  for (const entry of scores) {
    if (!isPositiveFor(entry.clip, phrase)) continue;
    const row = (byVoice[entry.clip.voice] ??= { clips: 0, rejected: 0 });
    row.clips++;
    if (!detected(entry)) row.rejected++;
  }
  return byVoice;
}

function baseResult(engine: EngineResult["engine"], label: string, scope: EngineResult["scope"], run: EngineRun, phrase: string) {
  const negatives = run.scores.filter((entry) => !isPositiveFor(entry.clip, phrase));
  return {
    engine,
    label,
    scope,
    positives: run.scores.length - negatives.length,
    negatives: negatives.length,
    negativeHours: negatives.reduce((sum, entry) => sum + entry.clip.seconds, 0) / 3600,
    ordinaryHours:
      negatives.filter((entry) => entry.clip.set === "sentence" || entry.clip.set === "reading").reduce((sum, entry) => sum + entry.clip.seconds, 0) /
      3600,
    nearMisses: negatives.filter((entry) => entry.clip.set === "near-miss").length,
    cpuPercent: (run.cpuSeconds / Math.max(1e-9, run.audioSeconds)) * 100,
    cpuPercentSpeech: (run.speechCpuSeconds / Math.max(1e-9, run.speechAudioSeconds)) * 100,
    cpuPercentIdle: run.idleCpuPercent,
    wallSeconds: run.wallSeconds,
  };
}

async function benchmarkOpenWakeWord(dataset: Dataset, model: string, phrase: string, log: (line: string) => void): Promise<EngineResult> {
  let frames: number[] = [];
  const detector = await OpenWakeWordDetector.load([model], {
    threshold: 1,
    onScore: (score) => frames.push(score.score),
  });
  try {
    const run = await runClips(
      dataset,
      dataset.clips,
      detector,
      { begin: () => (frames = []), end: (clip) => ({ clip, frames: Float32Array.from(frames) }) },
      log,
      model,
    );
    const base = baseResult("openwakeword", model, "full", run, phrase);
    const refractorySamples = OPENWAKEWORD_DEFAULTS.refractorySeconds * SAMPLE_RATE;
    const settings = [
      ...OPENWAKEWORD_THRESHOLDS.map((threshold) => ({ threshold, patience: 1, refractorySamples })),
      ...[0.3, 0.5].flatMap((threshold) => [2, 3].map((patience) => ({ threshold, patience, refractorySamples }))),
    ];
    const rows = settings.map((setting) => openWakeWordRow(run.scores, phrase, setting, base.negativeHours));
    const defaults = { ...OPENWAKEWORD_DEFAULTS, refractorySamples };
    const detected = (entry: ClipScores) =>
      openWakeWordRow([entry], entry.clip.phrase ?? "", defaults, 1).falseRejectRate === 0;
    return { ...base, rows, defaultThreshold: OPENWAKEWORD_DEFAULTS.threshold, falseRejectsByVoice: rejectsByVoice(run.scores, phrase, detected) };
  } finally {
    await detector.close();
  }
}

/** Word error rate of `hypothesis` against `reference`, ignoring case and punctuation. */
export function wordErrorRate(reference: string, hypothesis: string): number {
  const words = (text: string) => text.toLowerCase().replace(/[^a-z0-9' ]+/g, " ").split(/\s+/).filter(Boolean);
  const ref = words(reference);
  const hyp = words(hypothesis);
  let previous = Array.from({ length: hyp.length + 1 }, (_, j) => j);
  for (let i = 1; i <= ref.length; i++) {
    const current = [i];
    for (let j = 1; j <= hyp.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (ref[i - 1] === hyp[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[hyp.length]! / Math.max(1, ref.length);
}

/** Selects every fourth positive clip of the phrase, the near misses and the sentences. */
function comparisonSubset(clips: Clip[], phrase: string): Clip[] {
  let positive = 0;
  return clips.filter((clip) => {
    if (isPositiveFor(clip, phrase)) return positive++ % 4 === 0;
    return clip.set === "near-miss" || clip.set === "sentence";
  });
}

async function benchmarkPhrase(
  dataset: Dataset,
  phrase: string,
  config: PhraseConfig,
  scope: EngineResult["scope"],
  options: { vadModelPath: string; threads: number },
  log: (line: string) => void,
): Promise<EngineResult> {
  let utterances: NonNullable<ClipScores["utterances"]> = [];
  const thresholds = PHRASE_THRESHOLDS[config.scoring];
  const defaultThreshold = PHRASE_DEFAULT_THRESHOLDS[config.scoring];
  const transcriber = await Transcriber.load(config.whisperModelPath, { threads: options.threads, useGpu: false });
  const detector = await PhraseSpotter.load(phrase, {
    transcriber,
    vadModelPath: options.vadModelPath,
    promptWithPhrase: config.promptWithPhrase,
    scoring: config.scoring,
    // The lowest threshold of the table, so every row finds the commands of its detections.
    // NOTE: utterances scoring between it and a higher row's threshold pay for a second pass
    // in the CPU figures, which the higher threshold would skip.
    threshold: Math.min(...thresholds),
    refractorySeconds: 0,
    onTranscript: (utterance) => utterances.push(utterance),
  });
  try {
    const clips = scope === "full" ? dataset.clips : comparisonSubset(dataset.clips, phrase);
    const run = await runClips(
      dataset,
      clips,
      detector,
      { begin: () => (utterances = []), end: (clip) => ({ clip, utterances }) },
      log,
      config.label,
    );
    const base = baseResult("phrase", config.label, scope, run, phrase);
    const refractorySamples = PHRASE_DEFAULTS.refractorySeconds * SAMPLE_RATE;
    const rows = thresholds.map((threshold) =>
      summarize(run.scores, phrase, (entry) => phraseDetections(entry, threshold, refractorySamples), { threshold }, base.negativeHours),
    );

    const detectedAtDefault = (entry: ClipScores) => phraseDetections(entry, defaultThreshold, refractorySamples) > 0;
    let commands = 0, exact = 0, errors = 0;
    const missedPositives: string[] = [];
    const acceptedNearMisses: string[] = [];
    for (const entry of run.scores) {
      const first = entry.utterances![0];
      if (isPositiveFor(entry.clip, phrase)) {
        if (!detectedAtDefault(entry)) {
          if (missedPositives.length < 10) missedPositives.push(first?.text ?? "(no speech found)");
          continue;
        }
        if (!entry.clip.command) continue;
        const best = entry.utterances!.find((utterance) => utterance.score >= defaultThreshold)!;
        const error = wordErrorRate(entry.clip.command, best.command ?? "");
        commands++;
        errors += error;
        if (error === 0) exact++;
      } else if (entry.clip.set === "near-miss" && detectedAtDefault(entry) && acceptedNearMisses.length < 10) {
        acceptedNearMisses.push(`${entry.clip.text} → ${first?.text ?? ""}`);
      }
    }
    return {
      ...base,
      rows,
      defaultThreshold,
      commandExactRate: exact / Math.max(1, commands),
      commandWordErrorRate: errors / Math.max(1, commands),
      falseRejectsByVoice: rejectsByVoice(run.scores, phrase, detectedAtDefault),
      acceptedNearMisses,
      missedPositives,
    };
  } finally {
    await detector.close();
    transcriber.free();
  }
}

function machineDescription(): string {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  return `${cpu}, ${cpus().length} logical cores visible, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node.js ${process.version}`;
}

function espeakVersion(): string {
  try {
    // The output continues with "Data at: <folder>", which the report does not need.
    return execFileSync("espeak-ng", ["--version"], { encoding: "utf8" }).split("Data at")[0]!.trim().replace(/:$/, "");
  } catch {
    return "unknown";
  }
}

/**
 * Generates or reuses the espeak-ng set, then measures the openWakeWord engine with `model`
 * and the phrase engine with `phrase`.
 */
export async function runWakeWordBenchmark(options: WakeBenchmarkOptions = {}): Promise<WakeBenchmarkReport> {
  const log = options.log ?? (() => {});
  const model = options.model ?? "hey_jarvis";
  const modelPhrase = spokenPhrase(model);
  const phrase = options.phrase ?? "hey rex";
  const engines = options.engines ?? ["openwakeword", "verifier", "phrase"];
  const phraseConfigs = options.phraseConfigs ?? [];
  if (engines.includes("phrase") && (phraseConfigs.length === 0 || !options.vadModelPath)) {
    throw new TypeError("the phrase engine benchmark needs phraseConfigs with a Whisper model and vadModelPath");
  }

  let lastPercent = -1;
  const dataset = await prepareDataset({
    phrases: [modelPhrase, phrase],
    cacheDir: options.cacheDir,
    full: options.full,
    onProgress: (done, total) => {
      const percent = Math.floor((done / total) * 10) * 10;
      if (percent !== lastPercent) log(`generating audio: ${done}/${total} clips`);
      lastPercent = percent;
    },
  });

  const results: EngineResult[] = [];
  if (engines.includes("openwakeword")) {
    log(`openWakeWord ${model}: ${dataset.clips.length} clips`);
    results.push(await benchmarkOpenWakeWord(dataset, model, modelPhrase, log));
  }
  let verifier: VerifierResult | undefined;
  if (engines.includes("verifier")) {
    log(`openWakeWord ${model} with enrolled users`);
    verifier = await benchmarkVerifier(dataset, model, { cacheDir: options.cacheDir ?? defaultCacheDir(), log });
  }
  if (engines.includes("phrase")) {
    const settings = { vadModelPath: options.vadModelPath!, threads: options.threads ?? 1 };
    for (const config of phraseConfigs.length > 1 ? phraseConfigs : []) {
      log(`phrase engine ${config.label}: comparison subset`);
      results.push(await benchmarkPhrase(dataset, phrase, config, "comparison", settings, log));
    }
    log(`phrase engine ${phraseConfigs[0]!.label}: ${dataset.clips.length} clips`);
    results.push(await benchmarkPhrase(dataset, phrase, phraseConfigs[0]!, "full", settings, log));
  }

  const negativeHours = (target: string) =>
    dataset.clips.filter((clip) => !isPositiveFor(clip, target)).reduce((sum, clip) => sum + clip.seconds, 0) / 3600;
  return {
    date: new Date().toISOString(),
    machine: machineDescription(),
    espeakVersion: espeakVersion(),
    dataset: {
      dir: dataset.dir,
      clips: dataset.clips.length,
      positivesPerPhrase: Object.fromEntries(
        [modelPhrase, phrase].map((target) => [target, dataset.clips.filter((clip) => isPositiveFor(clip, target)).length]),
      ),
      negativeHours: Object.fromEntries([modelPhrase, phrase].map((target) => [target, negativeHours(target)])),
      voices: dataset.voices,
      variants: dataset.variants.length,
      skippedVoices: dataset.skippedVoices,
      full: dataset.full,
    },
    results,
    verifier,
  };
}
