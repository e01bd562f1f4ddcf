/**
 * The typed contract of the native addon. This is the only module that loads the `.node` file;
 * everything else in rex imports these types and functions.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { RexError } from "../errors.js";
import { getLogger } from "../log.js";

/** One decoded token with its probability and times in milliseconds. */
export interface NativeToken {
  id: number;
  text: string;
  probability: number;
  start: number;
  end: number;
}

/** One transcribed segment; times are milliseconds from the start of the input. */
export interface NativeSegment {
  index: number;
  start: number;
  end: number;
  text: string;
  noSpeechProbability: number;
  tokens: NativeToken[];
}

export interface NativeTranscribeOptions {
  /** Language code such as "en", or "auto" to detect it. */
  language?: string;
  threads?: number;
  translate?: boolean;
  /** Encoder context in 20 ms frames; 0 uses the model's full 30 s window. */
  audioContext?: number;
  /** Beam width; 0 selects greedy decoding. */
  beamSize?: number;
  temperature?: number;
  /** Step by which whisper raises the temperature to retry a failed decode; 0 turns retries off. */
  temperatureIncrement?: number;
  noSpeechThreshold?: number;
  singleSegment?: boolean;
  suppressNonSpeech?: boolean;
  /** Decode without timestamp tokens; segment times then span the whole input. */
  noTimestamps?: boolean;
  /** Maximum tokens per segment; 0 means no limit. */
  maxTokens?: number;
  initialPrompt?: string;
  /**
   * Phrases (1 to 16) to score by guided decoding after the transcription: each phrase's tokens
   * are forced through the decoder against the same encoded audio. Text tokens start with a space.
   */
  scorePhrases?: string[];
}

/** Guided-decoding likelihood of one phrase at the start of the audio. */
export interface NativePhraseScore {
  phrase: string;
  tokens: number;
  /** Sum of the natural-log probabilities of the phrase's tokens. */
  logProbability: number;
  /** Sum of each token's log probability minus that of whisper's first choice at that step; 0 at best. */
  logProbabilityBelowBest: number;
}

/** Wall-clock times of one whisper_full call, in milliseconds. */
export interface NativeTimings {
  totalMs: number;
  /** Time before the first encoder run: the log-mel spectrogram, and language detection for "auto". */
  melMs: number;
  /** Time in encoder runs. Whisper runs the encoder once per 30 s window of input. */
  encodeMs: number;
  /** Everything else: decoder runs, token sampling and segment output. */
  decodeMs: number;
  encodeRuns: number;
  /** Guided decoding of `scorePhrases`, after totalMs; 0 without phrases. */
  scoreMs: number;
}

export interface NativeTranscription {
  segments: NativeSegment[];
  language: string;
  timings: NativeTimings;
  /** One score per entry of `scorePhrases`, in the same order; absent without phrases. */
  phraseScores?: NativePhraseScore[];
}

export interface NativeModelInfo {
  type: string;
  multilingual: boolean;
  vocabularySize: number;
  audioContext: number;
  audioState: number;
  audioLayers: number;
  textLayers: number;
  melCount: number;
  useGpu: boolean;
  path: string;
}

export interface NativeCancelToken {
  cancel(): void;
  readonly cancelled: boolean;
}

export interface NativeWhisperModel {
  transcribe(
    pcm: Float32Array,
    options: NativeTranscribeOptions,
    cancel?: NativeCancelToken,
    onSegment?: (segment: NativeSegment) => void,
    onProgress?: (percent: number) => void,
  ): Promise<NativeTranscription>;
  info(): NativeModelInfo;
  free(): void;
  readonly freed: boolean;
}

export interface NativeLoadOptions {
  useGpu?: boolean;
  flashAttention?: boolean;
  gpuDevice?: number;
}

export interface NativeVadParams {
  threshold?: number;
  minSpeechMs?: number;
  minSilenceMs?: number;
  maxSpeechSeconds?: number;
  speechPadMs?: number;
}

export interface NativeVadModel {
  /** Speech probability per 512-sample window; keepState continues the previous call's stream. */
  detect(pcm: Float32Array, keepState: boolean): Promise<Float32Array>;
  segments(pcm: Float32Array, params?: NativeVadParams): Promise<Array<{ start: number; end: number }>>;
  reset(): void;
  free(): void;
}

export interface NativeDecodedAudio {
  pcm: Float32Array;
  sourceRate: number;
  sourceChannels: number;
  sourceFrames: number;
}

export interface NativeDeviceInfo {
  index: number;
  /** Backend identifier (PulseAudio or ALSA device name); empty for other backends. */
  id: string;
  name: string;
  isDefault: boolean;
}

export interface NativeDeviceList {
  backend: string;
  capture: NativeDeviceInfo[];
  playback: NativeDeviceInfo[];
}

export interface NativeDeviceOptions {
  /** Index in listDevices(); omitted or -1 opens the default device. */
  deviceIndex?: number;
  /** Expected name at that index, so a changed device list is detected. */
  deviceName?: string;
  bufferSeconds?: number;
}

export interface NativeCaptureStats {
  deviceName: string;
  deviceRate: number;
  deviceChannels: number;
  running: boolean;
  stoppedUnexpectedly: boolean;
  capturedSamples: number;
  droppedSamples: number;
  overruns: number;
  bufferedSamples: number;
}

export interface NativeCapture {
  start(): void;
  stop(): void;
  /** Samples captured since the last read, at 16 kHz mono, up to maxSamples. */
  read(maxSamples?: number): Float32Array;
  stats(): NativeCaptureStats;
  close(): void;
}

export interface NativePlaybackStats {
  deviceName: string;
  sampleRate: number;
  deviceRate: number;
  running: boolean;
  queuedSamples: number;
  playedSamples: number;
  underruns: number;
}

export interface NativePlayback {
  start(): void;
  /** Queues samples and returns how many fit. */
  write(pcm: Float32Array): number;
  /** Drops everything queued within one device period. */
  clear(): void;
  stats(): NativePlaybackStats;
  close(): void;
}

/** ggml log levels as the native log handler reports them. */
export const NativeLogLevel = { debug: 1, info: 2, warn: 3, error: 4 } as const;

export interface NativeAddon {
  loadModel(path: string, options?: NativeLoadOptions): Promise<NativeWhisperModel>;
  loadVad(path: string, options?: { threads?: number }): Promise<NativeVadModel>;
  decodeFile(path: string): Promise<NativeDecodedAudio>;
  listDevices(): NativeDeviceList;
  setLogHandler(handler: ((level: number, text: string) => void) | null, minLevel: number): void;
  systemInfo(): string;
  CancelToken: new () => NativeCancelToken;
  Capture: new (options?: NativeDeviceOptions) => NativeCapture;
  Playback: new (options: NativeDeviceOptions & { sampleRate: number }) => NativePlayback;
  versions: { whisper: string; miniaudio: string };
  backends: string[];
}

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
let addon: NativeAddon | undefined;

// ggml's CONT level (5) is above every real level, so it filters out all lines.
const NATIVE_LOGS_OFF = 5;

/** Sends ggml and whisper log lines to the "native" pino logger at debug level. */
function routeNativeLogs(loaded: NativeAddon): void {
  const logger = getLogger("native");
  const minLevel = logger.isLevelEnabled("debug") ? NativeLogLevel.debug : NATIVE_LOGS_OFF;
  loaded.setLogHandler((level, text) => logger.debug({ nativeLevel: level }, text), minLevel);
}

/**
 * Loads the addon once: a prebuild for this platform, or the one built at install. Configure
 * the logger first, because the native log level is taken from it here.
 */
export function native(): NativeAddon {
  if (addon) return addon;
  const require = createRequire(import.meta.url);
  try {
    const load = require("node-gyp-build") as (dir: string) => NativeAddon;
    addon = load(packageRoot);
    routeNativeLogs(addon);
  } catch (error) {
    throw new RexError(
      "ADDON_LOAD_FAILED",
      `cannot load the rex native addon from ${packageRoot}: ${(error as Error).message}. ` +
        "Run `npm install` (or `npm run build:native`) in the rex folder to build it.",
      { cause: error },
    );
  }
  return addon;
}
