import { spawn } from "node:child_process";

import { RexError } from "../errors.js";
import { getLogger } from "../log.js";
import { cleanTextForSpeech } from "./clean-text.js";
import type { SynthesisOptions, SynthesizedAudio, Synthesizer } from "./types.js";

const log = getLogger("tts");

/** Sample rate of espeak-ng's WAV output, checked with espeak-ng 1.51. Empty results, made without it, use it too. */
export const ESPEAK_SAMPLE_RATE = 22050;

const VOICE_PATTERN = /^[A-Za-z0-9+_-]{1,40}$/;
const MIN_RATE = 80;
const MAX_RATE = 500;
/** Maximum length of espeak-ng's standard error kept for an error message. */
const MAX_STDERR_CHARS = 500;

/** Settings for {@link EspeakSynthesizer}. Each call may override `voice` and `rate`. */
export interface EspeakOptions {
  /** Path or name of the executable, looked up on PATH; default "espeak-ng". */
  binary?: string;
  /** espeak-ng voice, such as "en-us" or "de"; default "en-us". */
  voice?: string;
  /** Speaking rate in words per minute, from 80 to 500; default 175. */
  rate?: number;
}

/** A {@link Synthesizer} that runs the espeak-ng command and decodes the WAV it writes to standard output. */
export class EspeakSynthesizer implements Synthesizer {
  readonly binary: string;
  readonly voice: string;
  readonly rate: number;

  constructor(options: EspeakOptions = {}) {
    this.binary = options.binary ?? "espeak-ng";
    if (typeof this.binary !== "string" || this.binary === "") {
      throw new TypeError("EspeakSynthesizer option binary must be a non-empty string");
    }
    this.voice = validateVoice(options.voice ?? "en-us");
    this.rate = validateRate(options.rate ?? 175);
  }

  async synthesize(text: string, options: SynthesisOptions = {}): Promise<SynthesizedAudio> {
    if (typeof text !== "string") throw new TypeError(`text must be a string, got ${typeof text}`);
    const voice = validateVoice(options.voice ?? this.voice);
    const rate = validateRate(options.rate ?? this.rate);
    options.signal?.throwIfAborted();

    const cleaned = cleanTextForSpeech(text);
    if (cleaned === "") return { pcm: new Float32Array(0), sampleRate: ESPEAK_SAMPLE_RATE };

    // "--" ends the options, so text that starts with "-" is spoken instead of parsed as a flag.
    const args = ["-v", voice, "-s", String(rate), "--stdout", "--", cleaned];
    log.debug({ voice, rate, chars: cleaned.length }, "synthesizing speech");
    const wav = await runEspeak(this.binary, args, voice, options.signal);
    return decodeWavPcm16(wav);
  }
}

function validateVoice(voice: unknown): string {
  if (typeof voice !== "string" || !VOICE_PATTERN.test(voice)) {
    throw new RangeError(
      `Invalid espeak-ng voice ${JSON.stringify(voice)}: use 1 to 40 letters, digits, "+", "_" or "-", such as "en-us"`,
    );
  }
  return voice;
}

function validateRate(rate: unknown): number {
  if (typeof rate !== "number" || !Number.isInteger(rate) || rate < MIN_RATE || rate > MAX_RATE) {
    throw new RangeError(
      `Invalid speech rate ${String(rate)}: use an integer from ${MIN_RATE} to ${MAX_RATE} words per minute`,
    );
  }
  return rate;
}

/**
 * Runs espeak-ng without a shell and resolves with everything it wrote to standard output.
 * An abort kills the process and rejects with the signal's reason.
 */
function runEspeak(binary: string, args: string[], voice: string, signal?: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let settled = false;
    const onAbort = () => child.kill("SIGTERM");
    const settle = (finish: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      finish();
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", (error: NodeJS.ErrnoException) => settle(() => reject(startFailure(binary, error))));
    child.on("close", (code, killSignal) => {
      settle(() => {
        if (signal?.aborted) return reject(signal.reason);
        const errorText = Buffer.concat(stderr).toString("utf8").trim().slice(0, MAX_STDERR_CHARS);
        if (code !== 0) return reject(exitFailure(code, killSignal, errorText, voice));
        if (errorText !== "") log.warn({ stderr: errorText }, "espeak-ng wrote to standard error but exited with 0");
        resolve(Buffer.concat(stdout));
      });
    });
  });
}

function startFailure(binary: string, error: NodeJS.ErrnoException): RexError {
  if (error.code === "ENOENT") {
    return new RexError(
      "TTS_FAILED",
      `espeak-ng not found at "${binary}". Install it with apt-get install espeak-ng, or set the executable's path`,
      { cause: error },
    );
  }
  const message = `Could not start espeak-ng at "${binary}": ${error.message}. Check that the file is executable`;
  return new RexError("TTS_FAILED", message, { cause: error });
}

function exitFailure(code: number | null, killSignal: NodeJS.Signals | null, stderr: string, voice: string): RexError {
  const ending = code === null ? `was killed by ${killSignal}` : `exited with code ${code}`;
  const detail = stderr === "" ? "" : `: ${stderr.replace(/\.$/, "")}`;
  const advice = /voice/i.test(stderr) ? `. Run espeak-ng --voices to list installed voices and check "${voice}"` : "";
  return new RexError("TTS_FAILED", `espeak-ng ${ending}${detail}${advice}`);
}

interface WavFormat {
  sampleRate: number;
}

/**
 * Decodes a mono 16-bit PCM WAV into samples in [-1, 1].
 * espeak-ng writes placeholder sizes such as 0x7FFFF000 when its output is a pipe, so a chunk size that is 0 or
 * runs past the received bytes is replaced by the bytes actually received.
 */
export function decodeWavPcm16(bytes: Buffer): SynthesizedAudio {
  if (bytes.length < 12 || bytes.toString("latin1", 0, 4) !== "RIFF" || bytes.toString("latin1", 8, 12) !== "WAVE") {
    throw new RexError("TTS_FAILED", `espeak-ng output is not a WAV file (${bytes.length} bytes received)`);
  }
  let format: WavFormat | undefined;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString("latin1", offset, offset + 4);
    const start = offset + 8;
    const declared = bytes.readUInt32LE(offset + 4);
    const end = declared === 0 || start + declared > bytes.length ? bytes.length : start + declared;
    if (id === "fmt ") format = readWavFormat(bytes.subarray(start, end));
    if (id === "data") {
      if (format === undefined) {
        throw new RexError("TTS_FAILED", "espeak-ng WAV output has no fmt chunk before its data chunk");
      }
      return { pcm: pcm16ToFloat32(bytes.subarray(start, end)), sampleRate: format.sampleRate };
    }
    // Chunks are padded to an even length.
    offset = end + ((end - start) % 2);
  }
  throw new RexError("TTS_FAILED", `espeak-ng WAV output has no data chunk (${bytes.length} bytes received)`);
}

function readWavFormat(chunk: Buffer): WavFormat {
  if (chunk.length < 16) {
    throw new RexError("TTS_FAILED", `espeak-ng WAV fmt chunk is ${chunk.length} bytes, expected at least 16`);
  }
  const audioFormat = chunk.readUInt16LE(0);
  const channels = chunk.readUInt16LE(2);
  const sampleRate = chunk.readUInt32LE(4);
  const bitsPerSample = chunk.readUInt16LE(14);
  if (audioFormat !== 1 || channels !== 1 || bitsPerSample !== 16 || sampleRate === 0) {
    throw new RexError(
      "TTS_FAILED",
      `espeak-ng WAV output is format ${audioFormat}, ${channels} channels, ${bitsPerSample} bits, ${sampleRate} Hz, ` +
        "but rex reads only PCM (format 1) with 1 channel and 16 bits",
    );
  }
  return { sampleRate };
}

function pcm16ToFloat32(data: Buffer): Float32Array {
  // An odd trailing byte is half a sample, cut off when the process ended mid-write.
  const pcm = new Float32Array(data.length >> 1);
  for (let i = 0; i < pcm.length; i++) pcm[i] = data.readInt16LE(i * 2) / 32768;
  return pcm;
}
