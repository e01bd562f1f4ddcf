import { stat } from "node:fs/promises";

import { fromNativeError, RexError } from "../errors.js";
import { native } from "../native/binding.js";

/** Sample rate of all PCM inside rex: what whisper and the VAD expect. */
export const SAMPLE_RATE = 16000;

export interface DecodedAudio {
  /** Mono samples at 16 kHz in [-1, 1]. */
  pcm: Float32Array;
  durationMs: number;
  sourceRate: number;
  sourceChannels: number;
}

/**
 * Decodes a WAV, MP3 or FLAC file to 16 kHz mono: channels are averaged and the rate is
 * converted with an anti-aliasing filter. The length comes from the frames actually decoded,
 * so a header that claims more data than the file holds yields what is present.
 */
export async function decodeAudioFile(path: string): Promise<DecodedAudio> {
  if (typeof path !== "string" || path.length === 0) throw new TypeError("expected an audio file path");
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new RexError("AUDIO_FILE_NOT_FOUND", `audio file not found: '${path}'`);
  if (!info.isFile()) throw new RexError("AUDIO_DECODE_FAILED", `'${path}' is not a file: pass a WAV, MP3 or FLAC file`);
  if (info.size === 0) throw new RexError("AUDIO_DECODE_FAILED", `'${path}' is empty (0 bytes): pass a WAV, MP3 or FLAC file`);
  try {
    const decoded = await native().decodeFile(path);
    return {
      pcm: decoded.pcm,
      durationMs: (decoded.pcm.length / SAMPLE_RATE) * 1000,
      sourceRate: decoded.sourceRate,
      sourceChannels: decoded.sourceChannels,
    };
  } catch (error) {
    throw fromNativeError(error);
  }
}
