import { EventEmitter } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";

import { isRexError, RexError } from "../errors.js";
import { getLogger } from "../log.js";
import { CaptureStream, DEFAULT_FRAME_SAMPLES, type CaptureOptions } from "./capture-stream.js";

const log = getLogger("capture");

/** Errors after which reopening the device can help. */
const RECOVERABLE = ["AUDIO_DEVICE_LOST", "AUDIO_DEVICE_OPEN_FAILED", "AUDIO_DEVICE_START_FAILED", "AUDIO_DEVICE_NOT_FOUND"] as const;
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 10_000;

/** A source of 16 kHz mono frames, as the conversation loop reads them. */
export interface FrameSource {
  frames(frameSamples?: number, signal?: AbortSignal): AsyncGenerator<Float32Array>;
  discardBuffered(): void;
  close(): void;
}

/** Events of a {@link ReconnectingCapture}. */
export interface ReconnectingCaptureEvents {
  /** The device failed; `error` is a RexError such as AUDIO_DEVICE_LOST. A reopen follows after `retryMs`. */
  deviceError: [error: RexError, retryMs: number];
  /** The device was opened again after an error. */
  deviceRestored: [];
}

/**
 * A capture stream that reopens its device when it is lost (unplugged, audio server restarted),
 * waiting 0.5 s, 1 s, 2 s and so on up to 10 s between attempts. Each failure and recovery is
 * logged and emitted as an event.
 */
export class ReconnectingCapture extends EventEmitter<ReconnectingCaptureEvents> implements FrameSource {
  private stream: CaptureStream | undefined;
  private closed = false;

  /** Opens the device once, so a wrong device name fails at start-up rather than in a retry loop. */
  constructor(private readonly options: CaptureOptions = {}) {
    super();
    this.stream = CaptureStream.open(options);
  }

  async *frames(frameSamples = DEFAULT_FRAME_SAMPLES, signal?: AbortSignal): AsyncGenerator<Float32Array> {
    let delayMs = FIRST_RETRY_MS;
    while (!this.closed && !signal?.aborted) {
      try {
        if (!this.stream) {
          this.stream = CaptureStream.open(this.options);
          log.info("capture device reopened");
          this.emit("deviceRestored");
        }
        for await (const frame of this.stream.frames(frameSamples, signal)) {
          delayMs = FIRST_RETRY_MS;
          yield frame;
        }
        return;
      } catch (error) {
        if (!RECOVERABLE.some((code) => isRexError(error, code))) throw error;
        this.stream?.close();
        this.stream = undefined;
        log.warn({ err: (error as RexError).message, retryMs: delayMs }, "capture device unavailable; reopening");
        this.emit("deviceError", error as RexError, delayMs);
        await sleep(delayMs, undefined, { signal }).catch(() => undefined);
        delayMs = Math.min(delayMs * 2, MAX_RETRY_MS);
      }
    }
  }

  discardBuffered(): void {
    this.stream?.discardBuffered();
  }

  close(): void {
    this.closed = true;
    this.stream?.close();
    this.stream = undefined;
  }
}
