import { fromNativeError, RexError } from "../errors.js";
import { getLogger } from "../log.js";
import {
  native,
  type NativeModelInfo,
  type NativePhraseScore,
  type NativeSegment,
  type NativeTimings,
  type NativeTranscribeOptions,
  type NativeVadModel,
  type NativeWhisperModel,
} from "../native/binding.js";
import { SAMPLE_RATE } from "../audio/decode.js";
import { cleanTranscript, dropRepeatedSentences } from "./text.js";

const log = getLogger("speech");

export type Segment = NativeSegment;

export interface Transcript {
  /** The spoken text, without non-speech notes; empty when nothing was said. */
  text: string;
  segments: Segment[];
  language: string;
  /** Time whisper spent, in milliseconds. */
  inferenceMs: number;
  /** Whisper's time by stage; all zero when the VAD found no speech. */
  timings: NativeTimings;
  /** False when the VAD found no speech, so whisper did not run. */
  speechDetected: boolean;
  /** Guided-decoding scores for `scorePhrases`; absent when no phrases were given or whisper did not run. */
  phraseScores?: NativePhraseScore[];
}

export interface TranscribeOptions extends NativeTranscribeOptions {
  /**
   * Shrink whisper's encoder window from 30 s to the input's length plus a margin, so a short
   * utterance costs a fraction of a full window. Ignored when audioContext is set.
   */
  fitAudioContext?: boolean;
  signal?: AbortSignal;
  onSegment?: (segment: Segment) => void;
  /** Percent done, 0 to 100. */
  onProgress?: (percent: number) => void;
}

export interface LoadOptions {
  useGpu?: boolean;
  /**
   * Flash attention; default false. It uses less memory and time on the CPU. whisper.cpp 1.9.1
   * then attends to unwritten padding rows of its key and value buffers, so fitted windows are
   * rounded up to a multiple of 256 frames, which leaves no padding rows.
   */
  flashAttention?: boolean;
  /** Default thread count for transcriptions. */
  threads?: number;
  /** Silero VAD model; when set, input without speech returns empty text without running whisper. */
  vadModelPath?: string;
}

/** Encoder frames per second of audio: whisper's 30 s window has 1500. */
const AUDIO_CONTEXT_PER_SECOND = 50;
const FULL_AUDIO_CONTEXT = 1500;
/** Extra encoder frames past the end of the input (2.56 s), which keeps accuracy on short clips. */
const AUDIO_CONTEXT_MARGIN = 128;

/**
 * Row count to which whisper.cpp 1.9.1 pads the encoder's and the cross-attention's keys and
 * values under flash attention. It passes no mask, so the rows past the window are attended with
 * whatever an earlier call with another window left there (whisper.cpp pull request 3941).
 */
const FLASH_ATTENTION_PADDING = 256;

/**
 * Encoder window for `samples` of 16 kHz audio, in 20 ms encoder frames. With flash attention
 * it is rounded up to a multiple of the padding, so no stale padding rows are attended.
 */
export function fittedAudioContext(samples: number, flashAttention = false): number {
  let needed = Math.ceil((samples / SAMPLE_RATE) * AUDIO_CONTEXT_PER_SECOND) + AUDIO_CONTEXT_MARGIN;
  if (flashAttention) needed = Math.ceil(needed / FLASH_ATTENTION_PADDING) * FLASH_ATTENTION_PADDING;
  return Math.min(FULL_AUDIO_CONTEXT, needed);
}

/** A loaded Whisper model. Calls may overlap; they run one at a time on the model. */
export class Transcriber {
  private constructor(
    private readonly model: NativeWhisperModel,
    private readonly vad: NativeVadModel | undefined,
    private readonly threads: number,
    private readonly flashAttention: boolean,
  ) {}

  /** Loads a ggml Whisper model file; rejects with MODEL_LOAD_FAILED when it is not one. */
  static async load(path: string, options: LoadOptions = {}): Promise<Transcriber> {
    if (typeof path !== "string" || path.length === 0) throw new TypeError("expected a model path");
    const addon = native();
    try {
      const started = performance.now();
      const flashAttention = options.flashAttention ?? false;
      const model = await addon.loadModel(path, { useGpu: options.useGpu ?? true, flashAttention });
      const vad = options.vadModelPath ? await addon.loadVad(options.vadModelPath) : undefined;
      log.debug({ path, ms: Math.round(performance.now() - started) }, "model loaded");
      return new Transcriber(model, vad, options.threads ?? 4, flashAttention);
    } catch (error) {
      throw fromNativeError(error);
    }
  }

  info(): NativeModelInfo {
    return this.model.info();
  }

  /** Transcribes 16 kHz mono PCM. An aborted signal rejects with the signal's reason. */
  async transcribe(pcm: Float32Array, options: TranscribeOptions = {}): Promise<Transcript> {
    if (!(pcm instanceof Float32Array)) throw new TypeError("expected 16 kHz mono PCM as a Float32Array");
    const { signal, onSegment, onProgress, fitAudioContext, ...whisperOptions } = options;
    if (fitAudioContext && whisperOptions.audioContext === undefined) {
      whisperOptions.audioContext = fittedAudioContext(pcm.length, this.flashAttention);
      // With a shrunk window whisper often judged a short command a failed decode and retried it
      // at higher temperatures, several times slower for the same words, so retries are off.
      whisperOptions.temperatureIncrement ??= 0;
    }
    signal?.throwIfAborted();
    if (this.vad && !(await this.hasSpeech(pcm))) {
      const timings = { totalMs: 0, melMs: 0, encodeMs: 0, decodeMs: 0, encodeRuns: 0, scoreMs: 0 };
      return { text: "", segments: [], language: whisperOptions.language ?? "en", inferenceMs: 0, timings, speechDetected: false };
    }
    signal?.throwIfAborted();

    const token = new (native().CancelToken)();
    const onAbort = () => token.cancel();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      // Streamed segments arrive through a queue that may still hold some when the promise
      // resolves, so the rest are delivered from the result, each index exactly once.
      const delivered = new Set<number>();
      const deliver = onSegment
        ? (segment: Segment) => {
            if (delivered.has(segment.index)) return;
            delivered.add(segment.index);
            onSegment(segment);
          }
        : undefined;
      const result = await this.model.transcribe(pcm, { threads: this.threads, ...whisperOptions }, token, deliver, onProgress);
      if (deliver) for (const segment of result.segments) deliver(segment);
      let text = cleanTranscript(result.segments.map((segment) => segment.text).join(""));
      if (whisperOptions.audioContext) text = dropRepeatedSentences(text);
      const { segments, language, timings, phraseScores } = result;
      return { text, segments, language, inferenceMs: timings.totalMs, timings, speechDetected: true, phraseScores };
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw fromNativeError(error);
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }

  /** Frees the model's memory. A transcription already running finishes first. */
  free(): void {
    this.model.free();
    this.vad?.free();
  }

  get freed(): boolean {
    return this.model.freed;
  }

  private async hasSpeech(pcm: Float32Array): Promise<boolean> {
    try {
      const ranges = await this.vad!.segments(pcm, { minSpeechMs: 150 });
      log.debug({ ranges, seconds: pcm.length / SAMPLE_RATE }, "speech ranges");
      return ranges.length > 0;
    } catch (error) {
      throw new RexError("VAD_FAILED", `speech detection failed: ${(error as Error).message}`, { cause: error });
    }
  }
}
