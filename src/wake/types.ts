/** One wake-word detection. */
export interface WakeDetection {
  /** The model name (such as "hey_jarvis") or the configured phrase that was detected. */
  phrase: string;
  /**
   * Detection score in [0, 1]: the classifier's probability for a model, and for a phrase the
   * guided-decoding or transcript score of the utterance's start (see PhraseScoring).
   */
  score: number;
  /**
   * Stream offset in 16 kHz samples, counted from the first sample given to `process` after
   * creation or `reset`, at which the wake phrase ended. For a model this is the end of the
   * 80 ms frame that triggered, so it can trail the spoken phrase by the patience frames.
   */
  sample: number;
  /**
   * Text spoken after the phrase in the same utterance ("what time is it" from "hey rex, what
   * time is it"). Only the phrase engine sets it, and only when the utterance went on.
   */
  command?: string;
  /** Stream offset in samples where the utterance that carried `command` ended. */
  commandEndSample?: number;
}

/** One score, reported through `onScore`: per 80 ms frame for a model, per utterance for a phrase. */
export interface WakeScore {
  phrase: string;
  score: number;
  /** Stream offset in samples at the end of the scored audio. */
  sample: number;
}

/**
 * A streaming wake-word detector. Give it 16 kHz mono audio in [-1, 1], in chunks of any length:
 * results do not depend on how the stream is cut. Await each `process` call before the next one.
 */
export interface WakeWordDetector {
  /** Engine name: "openwakeword" or "phrase". */
  readonly engine: string;
  /** Phrases or model names this detector listens for. */
  readonly phrases: readonly string[];
  /** Consumes the next chunk of the stream and returns the detections it completed. */
  process(chunk: Float32Array): Promise<WakeDetection[]>;
  /** Forgets buffered audio and state, and restarts the sample count at 0. */
  reset(): void;
  /** Frees the models. The detector cannot be used afterwards. */
  close(): Promise<void>;
}

/** Settings shared by both engines. */
export interface WakeDetectorOptions {
  /** Minimum score for a detection, in [0, 1]. */
  threshold?: number;
  /** Seconds after a detection during which the same phrase cannot trigger again. */
  refractorySeconds?: number;
  /** Called with every score the detector computes. */
  onScore?: (score: WakeScore) => void;
}
