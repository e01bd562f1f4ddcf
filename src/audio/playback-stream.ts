import { setTimeout as sleep } from "node:timers/promises";

import { fromNativeError, RexError } from "../errors.js";
import { getLogger } from "../log.js";
import { native, type NativePlayback } from "../native/binding.js";
import { resolveDevice } from "./devices.js";

const log = getLogger("playback");

const POLL_INTERVAL_MS = 10;
/** A device that consumes nothing for this long while audio is queued is treated as lost. */
const STALL_TIMEOUT_MS = 2000;
/** Silence played after the audio so the device buffer drains before the stream closes. */
const TAIL_SILENCE_MS = 200;

export interface PlayResult {
  /** Samples of the PCM that reached the device before the end or stop(). */
  playedSamples: number;
  stopped: boolean;
}

export interface PlaybackOptions {
  device?: string;
  /** Sample rate of the PCM that will be written. */
  sampleRate: number;
}

/** A playback device open at one sample rate; play() queues PCM, stop() silences it at once. */
export class PlaybackStream {
  private stopped = false;

  private constructor(
    private readonly playback: NativePlayback,
    readonly sampleRate: number,
  ) {}

  static open(options: PlaybackOptions): PlaybackStream {
    const device = resolveDevice("playback", options.device);
    try {
      const playback = new (native().Playback)({
        deviceIndex: device?.index ?? -1,
        deviceName: device?.name,
        sampleRate: options.sampleRate,
        bufferSeconds: 2,
      });
      playback.start();
      return new PlaybackStream(playback, options.sampleRate);
    } catch (error) {
      throw fromNativeError(error);
    }
  }

  /**
   * Plays mono PCM and resolves once the device has consumed it, or when stop() is called.
   * Returns how many of the samples were played. With `drain` (the default) 200 ms of silence
   * follows, so the audio has left the device before the stream is closed; pass false between
   * the sentences of one reply.
   */
  async play(pcm: Float32Array, options: { signal?: AbortSignal; drain?: boolean } = {}): Promise<PlayResult> {
    this.stopped = false;
    const onAbort = () => this.stop();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const tail = new Float32Array(options.drain === false ? 0 : Math.round((this.sampleRate * TAIL_SILENCE_MS) / 1000));
    const start = this.playback.stats().playedSamples + this.playback.stats().queuedSamples;
    const target = start + pcm.length + tail.length;
    try {
      for (const part of [pcm, tail]) {
        let offset = 0;
        while (offset < part.length && !this.stopped) {
          offset += this.playback.write(part.subarray(offset));
          if (offset < part.length) await sleep(POLL_INTERVAL_MS);
        }
      }
      await this.waitUntilPlayed(target);
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
    }
    const playedSamples = Math.max(0, Math.min(pcm.length, this.playback.stats().playedSamples - start));
    log.debug({ samples: pcm.length, playedSamples, stopped: this.stopped }, "playback finished");
    return { playedSamples, stopped: this.stopped };
  }

  /** Waits for the device to consume up to `target`; a device that stops consuming is lost. */
  private async waitUntilPlayed(target: number): Promise<void> {
    let last = this.playback.stats().playedSamples;
    let lastProgress = Date.now();
    while (!this.stopped && last < target) {
      await sleep(POLL_INTERVAL_MS);
      const played = this.playback.stats().playedSamples;
      if (played > last) {
        last = played;
        lastProgress = Date.now();
      } else if (Date.now() - lastProgress > STALL_TIMEOUT_MS) {
        const name = this.playback.stats().deviceName;
        throw new RexError(
          "AUDIO_DEVICE_LOST",
          `playback device '${name}' stopped taking audio for 2 s: check that it is connected and the audio server is running`,
        );
      }
    }
  }

  /** Drops queued audio; the device is silent within one period (about 10 ms). */
  stop(): void {
    this.stopped = true;
    this.playback.clear();
  }

  close(): void {
    this.playback.close();
  }
}
