import { setTimeout as sleep } from "node:timers/promises";

import { fromNativeError, RexError } from "../errors.js";
import { getLogger } from "../log.js";
import { native, type NativeCapture, type NativeCaptureStats } from "../native/binding.js";
import { SAMPLE_RATE } from "./decode.js";
import { resolveDevice } from "./devices.js";

const log = getLogger("capture");

/** 512 samples at 16 kHz = 32 ms, the window the Silero VAD scores. */
export const DEFAULT_FRAME_SAMPLES = 512;
const POLL_INTERVAL_MS = 10;
/** A running device that delivers nothing for this long is treated as lost. */
const STALL_TIMEOUT_MS = 5000;

export interface CaptureOptions {
  /** Device index, backend id, name or part of a name; the default device when unset. */
  device?: string;
  /** Ring buffer length; audio not read within it is dropped and counted as an overrun. */
  bufferSeconds?: number;
}

/** Captures a device as 16 kHz mono frames. */
export class CaptureStream {
  private closed = false;
  private lastOverruns = 0;

  private constructor(private readonly capture: NativeCapture) {}

  /** Opens and starts the device. */
  static open(options: CaptureOptions = {}): CaptureStream {
    const device = resolveDevice("capture", options.device);
    try {
      const capture = new (native().Capture)({
        deviceIndex: device?.index ?? -1,
        deviceName: device?.name,
        bufferSeconds: options.bufferSeconds ?? 10,
      });
      capture.start();
      const stream = new CaptureStream(capture);
      const stats = capture.stats();
      log.info({ device: stats.deviceName, rate: stats.deviceRate, channels: stats.deviceChannels }, "capture started");
      return stream;
    } catch (error) {
      throw fromNativeError(error);
    }
  }

  stats(): NativeCaptureStats {
    return this.capture.stats();
  }

  /**
   * Yields frames of exactly `frameSamples` samples until close() or the signal aborts. A device
   * that stops delivering audio ends the iteration with AUDIO_DEVICE_LOST.
   */
  async *frames(frameSamples = DEFAULT_FRAME_SAMPLES, signal?: AbortSignal): AsyncGenerator<Float32Array> {
    let pending: Float32Array = new Float32Array(0);
    let lastData = Date.now();
    while (!this.closed && !signal?.aborted) {
      const chunk = this.capture.read();
      if (chunk.length > 0) {
        lastData = Date.now();
        pending = concat(pending, chunk);
        let offset = 0;
        for (; offset + frameSamples <= pending.length; offset += frameSamples) {
          yield pending.slice(offset, offset + frameSamples);
          if (this.closed || signal?.aborted) return;
        }
        pending = pending.slice(offset);
      } else {
        this.checkHealth(lastData);
        await sleep(POLL_INTERVAL_MS);
      }
      this.reportOverruns();
    }
  }

  /**
   * Drops audio captured but not yet read, for example the assistant's own voice. Frames held
   * by a running frames() iterator are not affected; start a new iteration after this.
   */
  discardBuffered(): void {
    this.capture.read();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.capture.close();
    log.info("capture stopped");
  }

  private checkHealth(lastData: number): void {
    const stats = this.capture.stats();
    const stalled = Date.now() - lastData > STALL_TIMEOUT_MS;
    if (stats.stoppedUnexpectedly || stalled) {
      throw new RexError(
        "AUDIO_DEVICE_LOST",
        `capture device '${stats.deviceName}' ${stats.stoppedUnexpectedly ? "stopped" : "delivered no audio for 5 s"}: ` +
          "check that it is still connected and the audio server is running",
      );
    }
  }

  private reportOverruns(): void {
    const overruns = this.capture.stats().overruns;
    if (overruns > this.lastOverruns) {
      const dropped = this.capture.stats().droppedSamples;
      log.warn({ overruns, droppedMs: Math.round((dropped / SAMPLE_RATE) * 1000) }, "capture overrun: audio was dropped");
      this.lastOverruns = overruns;
    }
  }
}

function concat(a: Float32Array, b: Float32Array): Float32Array {
  if (a.length === 0) return b;
  const joined = new Float32Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}
