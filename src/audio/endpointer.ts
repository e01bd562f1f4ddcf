import type { VadModel } from "./vad.js";
import { SAMPLE_RATE } from "./decode.js";

export interface EndpointerOptions {
  /** Speech probability at or above which a frame counts as speech. */
  threshold: number;
  /** Speech must last this long before it counts as the start of an utterance. */
  minSpeechMs: number;
  /** Silence after speech that ends the utterance. */
  endOfSpeechMs: number;
  /** Audio kept from before the speech start. */
  preRollMs: number;
  maxUtteranceSeconds: number;
}

export const DEFAULT_ENDPOINTER_OPTIONS: EndpointerOptions = {
  threshold: 0.5,
  minSpeechMs: 96,
  endOfSpeechMs: 600,
  preRollMs: 300,
  maxUtteranceSeconds: 15,
};

/** Probability must fall this far below the threshold to count as silence, as Silero's own segmenter does. */
const HYSTERESIS = 0.15;

export type EndpointEvent =
  | { type: "speechStart"; sample: number }
  | { type: "speechEnd"; sample: number; reason: "silence" | "maxLength"; utterance: Float32Array };

/**
 * Finds utterances in a stream of 32 ms frames with the Silero VAD. Each push() scores one frame
 * and returns the events it caused. The utterance in a speechEnd event is the pre-roll plus the
 * frames from speech start to the last frame scored as speech.
 */
export class Endpointer {
  private readonly options: EndpointerOptions;
  private samplesSeen = 0;
  private preRoll: Float32Array[] = [];
  private candidate: Float32Array[] = [];
  private utterance: Float32Array[] = [];
  private speaking = false;
  private silenceFrames = 0;

  constructor(
    private readonly vad: VadModel,
    options: Partial<EndpointerOptions> = {},
  ) {
    this.options = { ...DEFAULT_ENDPOINTER_OPTIONS, ...options };
  }

  /** Scores one frame of 16 kHz mono audio, normally 512 samples. */
  async push(frame: Float32Array): Promise<EndpointEvent[]> {
    const probabilities = await this.vad.detect(frame, true);
    const probability = Math.max(...probabilities);
    const start = this.samplesSeen;
    this.samplesSeen += frame.length;
    return this.speaking ? this.continueSpeech(frame, probability, start) : this.awaitSpeech(frame, probability, start);
  }

  /** Forgets any partial utterance and the VAD's state, for example after the assistant spoke. */
  reset(): void {
    this.preRoll = [];
    this.candidate = [];
    this.utterance = [];
    this.speaking = false;
    this.silenceFrames = 0;
    this.vad.reset();
  }

  private awaitSpeech(frame: Float32Array, probability: number, start: number): EndpointEvent[] {
    if (probability < this.options.threshold) {
      this.pushPreRoll(...this.candidate, frame);
      this.candidate = [];
      return [];
    }
    this.candidate.push(frame);
    if (durationMs(this.candidate) < this.options.minSpeechMs) return [];

    const speechStart = start + frame.length - totalLength(this.candidate);
    this.utterance = [...this.preRoll, ...this.candidate];
    this.preRoll = [];
    this.candidate = [];
    this.speaking = true;
    this.silenceFrames = 0;
    return [{ type: "speechStart", sample: speechStart }];
  }

  private continueSpeech(frame: Float32Array, probability: number, start: number): EndpointEvent[] {
    this.utterance.push(frame);
    if (probability < this.options.threshold - HYSTERESIS) {
      this.silenceFrames++;
    } else {
      this.silenceFrames = 0;
    }
    const silenceMs = (this.silenceFrames * frame.length * 1000) / SAMPLE_RATE;
    const tooLong = durationMs(this.utterance) >= this.options.maxUtteranceSeconds * 1000;
    if (silenceMs < this.options.endOfSpeechMs && !tooLong) return [];

    const reason = tooLong && silenceMs < this.options.endOfSpeechMs ? "maxLength" : "silence";
    const speech = this.utterance.slice(0, this.utterance.length - this.silenceFrames);
    const end = start + frame.length - this.silenceFrames * frame.length;
    this.utterance = [];
    this.speaking = false;
    this.silenceFrames = 0;
    return [{ type: "speechEnd", sample: end, reason, utterance: join(speech) }];
  }

  private pushPreRoll(...frames: Float32Array[]): void {
    this.preRoll.push(...frames);
    const keep = (this.options.preRollMs / 1000) * SAMPLE_RATE;
    while (this.preRoll.length > 0 && totalLength(this.preRoll) - this.preRoll[0].length >= keep) this.preRoll.shift();
  }
}

function totalLength(frames: Float32Array[]): number {
  return frames.reduce((sum, frame) => sum + frame.length, 0);
}

function durationMs(frames: Float32Array[]): number {
  return (totalLength(frames) * 1000) / SAMPLE_RATE;
}

function join(frames: Float32Array[]): Float32Array {
  const joined = new Float32Array(totalLength(frames));
  let offset = 0;
  for (const frame of frames) {
    joined.set(frame, offset);
    offset += frame.length;
  }
  return joined;
}
