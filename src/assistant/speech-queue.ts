import { performance } from "node:perf_hooks";

import { PlaybackStream } from "../audio/playback-stream.js";
import { getLogger } from "../log.js";
import type { SynthesizedAudio, Synthesizer } from "../tts/types.js";

const log = getLogger("speech-queue");

/** Stands in for a sentence whose synthesis was skipped because the queue stopped; run() skips it. */
const SILENCE: SynthesizedAudio = { pcm: new Float32Array(0), sampleRate: 16000 };

export interface SpeechQueueOptions {
  synthesizer: Synthesizer;
  outputDevice?: string;
  voice?: { voice?: string; rate?: number };
  signal?: AbortSignal;
}

/** Outcome of speaking a reply: the words played, and whether it was cut off. */
export interface SpokenReply {
  spokenText: string;
  interrupted: boolean;
  /** performance.now() when the first sample was written to the device, if any was. */
  firstAudioAt?: number;
}

interface Pending {
  text: string;
  audio: Promise<SynthesizedAudio>;
}

/**
 * Speaks a reply sentence by sentence. Sentences are synthesized one at a time in queue order,
 * each as soon as the one before it is ready, so synthesis runs ahead of playback while the first
 * sentence does not share the CPU with the rest. stop() silences the device at once and drops
 * what is left.
 */
export class SpeechQueue {
  private readonly pending: Pending[] = [];
  private readonly spoken: string[] = [];
  private runner: Promise<void> | undefined;
  private playback: PlaybackStream | undefined;
  private stopped = false;
  /** Synthesis of the last queued sentence; the next one starts when it settles. */
  private lastSynthesis: Promise<unknown> = Promise.resolve();
  private firstAudioAt: number | undefined;

  constructor(private readonly options: SpeechQueueOptions) {}

  enqueue(text: string): void {
    if (this.stopped) return;
    const audio = this.lastSynthesis.then(() =>
      this.stopped ? SILENCE : this.options.synthesizer.synthesize(text, { ...this.options.voice, signal: this.options.signal }),
    );
    this.lastSynthesis = audio.catch(() => undefined); // a failure is reported when its turn to play comes
    this.pending.push({ text, audio });
    this.runner ??= this.run().finally(() => (this.runner = undefined));
  }

  /** Silences the device within one period and drops the sentences not yet played. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.pending.length = 0;
    this.playback?.stop();
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Waits until everything queued has played (or stop() was called), then closes the device. */
  async finish(): Promise<SpokenReply> {
    try {
      while (this.runner) await this.runner;
      if (!this.stopped && this.playback) await this.playback.play(new Float32Array(0));
    } finally {
      this.playback?.close();
      this.playback = undefined;
    }
    const spokenText = this.spoken.filter((text) => text !== "").join(" ");
    return { spokenText, interrupted: this.stopped, firstAudioAt: this.firstAudioAt };
  }

  private async run(): Promise<void> {
    while (this.pending.length > 0 && !this.stopped) {
      const next = this.pending.shift()!;
      const speech = await next.audio;
      if (this.stopped || speech.pcm.length === 0) continue;
      const playback = this.streamFor(speech.sampleRate);
      this.firstAudioAt ??= performance.now();
      const result = await playback.play(speech.pcm, { signal: this.options.signal, drain: false });
      this.spoken.push(result.stopped ? wordsPlayed(next.text, result.playedSamples / speech.pcm.length) : next.text);
    }
  }

  private streamFor(sampleRate: number): PlaybackStream {
    if (this.playback && this.playback.sampleRate !== sampleRate) {
      this.playback.close();
      this.playback = undefined;
    }
    this.playback ??= PlaybackStream.open({ device: this.options.outputDevice, sampleRate });
    log.debug({ sampleRate }, "speaking");
    return this.playback;
  }
}

/** Returns the leading words of `text` in proportion to the fraction of its audio played. */
function wordsPlayed(text: string, fraction: number): string {
  const words = text.split(/\s+/).filter(Boolean);
  return words.slice(0, Math.floor(words.length * Math.min(1, Math.max(0, fraction)))).join(" ");
}
