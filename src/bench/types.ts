/**
 * The benchmark report that `rex bench --json` prints and bench/RESULTS.json stores. Times are
 * milliseconds, memory is MB (2^20 bytes), and every figure is the median over the runs.
 */

export type EngineName = "rex" | "whisper-cli" | "nodejs-whisper";

/** One engine transcribing one file, starting without a loaded model. */
export interface FileRow {
  engine: EngineName;
  /**
   * Time a caller waits: rex's load + decode + transcribe() inside a running Node process,
   * the whisper-cli process from start to exit, or one nodewhisper() call.
   */
  wallMs: number;
  /** The whole process from start to exit, Node's start-up included for the Node engines. */
  processMs: number;
  loadMs: number | null;
  melMs: number | null;
  encodeMs: number | null;
  decodeMs: number | null;
  /**
   * Transcription with the model loaded: rex's awaited transcribe() call, or the sum of
   * whisper.cpp's stage timers for whisper-cli and nodejs-whisper.
   */
  transcribeMs: number | null;
  /** transcribeMs divided by the audio's length. */
  realTimeFactor: number | null;
  maxRssMB: number | null;
  wordErrorRate: number;
  /** Transcript of the last run. */
  text: string;
}

/** rex time divided by a peer's time for the same input: below 1 means rex was faster. */
export interface FileRatios {
  transcribeVsWhisperCli: number | null;
  encodeVsWhisperCli: number | null;
  wallVsWhisperCli: number | null;
  wallVsNodejsWhisper: number | null;
}

export interface FileResult {
  input: string;
  seconds: number;
  rows: FileRow[];
  /** Medians of the ratios within each run, so load that changes between runs cancels out. */
  ratios: FileRatios;
  /** rex ÷ whisper-cli transcription time in each run, for pooling over inputs. */
  transcribeVsWhisperCliByRun: Array<number | null>;
}

/** whisper-bench's figures next to rex's encoder time for a full 30 s window (jfk.wav). */
export interface EncoderResult {
  whisperBenchEncodeMs: number;
  whisperBenchDecodeMsPerToken: number | null;
  whisperBenchBatchdMsPerRun: number | null;
  whisperBenchPromptMsPerRun: number | null;
  rexEncodeMs: number | null;
  rexVsWhisperBench: number | null;
}

export type StreamVariant = "rex-full" | "rex-fit" | "whisper-cli-full" | "whisper-cli-fit" | "whisper-cli-batch" | "nodejs-whisper";

/** One engine transcribing the stream of short utterances one after another. */
export interface StreamRow {
  variant: StreamVariant;
  engine: EngineName;
  /** "full" is whisper's 30 s window, and "fit" shrinks it to each utterance as rex listen does. */
  window: "full" | "fit";
  /** From the first utterance to the last transcript, model loading included. */
  totalMs: number;
  /** Model loading within totalMs (once for rex, once per utterance for the CLI peers). */
  loadMs: number | null;
  /** Transcription within totalMs, summed as FileRow.transcribeMs is measured. */
  transcribeMs: number | null;
  /** One utterance, file decoding included. Null for the single whisper-cli batch process. */
  perUtteranceMs: number | null;
  maxRssMB: number | null;
  /** Word errors over all utterances divided by all reference words. */
  wordErrorRate: number;
}

export interface StreamResult {
  utterances: number;
  audioSeconds: number;
  rows: StreamRow[];
  /** rex total divided by the peer's total, paired within each run. */
  ratios: {
    rexFullVsWhisperCliFull: number | null;
    rexFitVsWhisperCliFit: number | null;
    rexFullVsNodejsWhisper: number | null;
    rexFitVsNodejsWhisper: number | null;
  };
}

export type AudioContextVariant = "full" | "fit" | "tight";

/** rex with a loaded model transcribing one input with one encoder window. */
export interface AudioContextRow {
  input: string;
  seconds: number;
  variant: AudioContextVariant;
  /** Encoder frames of 20 ms, where 1500 is whisper's full 30 s window. */
  audioContext: number;
  transcribeMs: number;
  encodeMs: number;
  decodeMs: number;
  wordErrorRate: number;
  text: string;
}

/** Fields that identify a configuration. */
export interface ConfigKey {
  model: string;
  threads: number;
  backend: string;
  flashAttention: boolean;
}

/** Results for one model, thread count, backend and flash-attention setting. */
export interface ConfigResult {
  model: string;
  modelPath: string;
  threads: number;
  backend: string;
  flashAttention: boolean;
  files: FileResult[];
  encoder: EncoderResult | null;
  stream: StreamResult | null;
  audioContext: AudioContextRow[];
  /** Peak resident memory of the rex worker that transcribed the most, with the model loaded. */
  rexMaxRssMB: number | null;
  /** Median resident memory of rex's workers with rex imported, before the model loaded. */
  rexRssBeforeLoadMB: number | null;
  /** Reasons a peer did not run for this configuration. */
  skipped: string[];
}

export type GoalId = "same-work" | "stream-vs-whisper-cli" | "stream-vs-nodejs-whisper" | "latency" | "memory";

export interface GoalResult {
  id: GoalId;
  goal: string;
  /** The configuration measured, as in ConfigResult. */
  config: ConfigKey;
  /** The figure the goal was checked on. */
  measuredOn: string;
  target: number;
  measured: number | null;
  unit: string;
  /** Whether the measured value must stay at or below the target, or reach it. */
  comparison: "at-most" | "at-least";
  /** Whether the target was met, or null when it could not be measured here. */
  met: boolean | null;
}

export interface BenchReport {
  schema: "rex-bench/1";
  date: string;
  command: string;
  durationSeconds: number;
  machine: {
    cpu: string;
    cores: number;
    memoryGiB: number;
    os: string;
    node: string;
    /** One-minute load average before and after the benchmark, because other work skews the times. */
    loadAverage: { before: number; after: number };
  };
  software: {
    rex: string;
    whisper: string;
    whisperSystemInfo: string;
    whisperCpp: string | null;
    nodejsWhisper: string | null;
    espeakNg: string | null;
  };
  settings: {
    models: string[];
    threads: number[];
    backends: string[];
    flashAttention: boolean[];
    runs: number;
    inputs: string[];
    streamUtterances: number;
    peers: boolean;
    /** Encoder frames added to the utterance for the "tight" audio context. */
    tightAudioContextMargin: number;
  };
  inputs: Array<{ id: string; seconds: number; reference: string }>;
  configs: ConfigResult[];
  goals: GoalResult[];
}
