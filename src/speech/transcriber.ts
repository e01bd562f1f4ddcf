import { fromNativeError, RexError } from "../errors.js";
import { getLogger } from "../log.js";
import {
  native,
  type NativeModelInfo,
  type NativeSegment,
  type NativeTranscribeOptions,
  type NativeVadModel,
  type NativeWhisperModel,
} from "../native/binding.js";
import { SAMPLE_RATE } from "../audio/decode.js";
import { cleanTranscript } from "./text.js";

const log = getLogger("speech");

export type Segment = NativeSegment;

export interface Transcript {
  /** The spoken text, without non-speech notes; empty when nothing was said. */
  text: string;
  segments: Segment[];
  language: string;
  /** Time whisper spent, in milliseconds. */
  inferenceMs: number;
  /** False when the VAD found no speech, so whisper did not run. */
  speechDetected: boolean;
}

export interface TranscribeOptions extends NativeTranscribeOptions {
  signal?: AbortSignal;
  onSegment?: (segment: Segment) => void;
  /** Percent done, 0 to 100. */
  onProgress?: (percent: number) => void;
}

export interface LoadOptions {
  useGpu?: boolean;
  flashAttention?: boolean;
  /** Default thread count for transcriptions. */
  threads?: number;
  /** Silero VAD model; when set, input without speech returns empty text without running whisper. */
  vadModelPath?: string;
}

/** A loaded Whisper model. Calls may overlap; they run one at a time on the model. */
export class Transcriber {
  private constructor(
    private readonly model: NativeWhisperModel,
    private readonly vad: NativeVadModel | undefined,
    private readonly threads: number,
  ) {}

  /** Loads a ggml Whisper model file; rejects with MODEL_LOAD_FAILED when it is not one. */
  static async load(path: string, options: LoadOptions = {}): Promise<Transcriber> {
    if (typeof path !== "string" || path.length === 0) throw new TypeError("expected a model path");
    const addon = native();
    try {
      const started = performance.now();
      const model = await addon.loadModel(path, { useGpu: options.useGpu ?? true, flashAttention: options.flashAttention ?? false });
      const vad = options.vadModelPath ? await addon.loadVad(options.vadModelPath) : undefined;
      log.debug({ path, ms: Math.round(performance.now() - started) }, "model loaded");
      return new Transcriber(model, vad, options.threads ?? 4);
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
    const { signal, onSegment, onProgress, ...whisperOptions } = options;
    signal?.throwIfAborted();
    if (this.vad && !(await this.hasSpeech(pcm))) {
      return { text: "", segments: [], language: whisperOptions.language ?? "en", inferenceMs: 0, speechDetected: false };
    }
    signal?.throwIfAborted();

    const token = new (native().CancelToken)();
    const onAbort = () => token.cancel();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const result = await this.model.transcribe(pcm, { threads: this.threads, ...whisperOptions }, token, onSegment, onProgress);
      const text = cleanTranscript(result.segments.map((segment) => segment.text).join(""));
      return { text, segments: result.segments, language: result.language, inferenceMs: result.timings.totalMs, speechDetected: true };
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
