/** Options for one {@link Synthesizer.synthesize} call. */
export interface SynthesisOptions {
  /** Voice name of the engine, such as "en-us". */
  voice?: string;
  /** Speaking rate in words per minute. */
  rate?: number;
  /** Signal that cancels synthesis. The promise then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Synthesized speech as mono samples in [-1, 1]. */
export interface SynthesizedAudio {
  pcm: Float32Array;
  /** Samples per second. */
  sampleRate: number;
}

/** A text-to-speech engine. */
export interface Synthesizer {
  /** Converts `text` to speech. Text that is empty after cleaning yields zero samples. */
  synthesize(text: string, options?: SynthesisOptions): Promise<SynthesizedAudio>;
}
