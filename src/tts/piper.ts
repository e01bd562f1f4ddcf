import { spawn } from "node:child_process";

import { RexError } from "../errors.js";
import { cleanTextForSpeech } from "./clean-text.js";
import type { SynthesisOptions, SynthesizedAudio, Synthesizer } from "./types.js";

export interface PiperOptions {
  /** The piper executable. */
  binary: string;
  /** Voice model (.onnx) with its .onnx.json beside it. */
  model: string;
  /** Sample rate of the voice model, from its .onnx.json; most Piper voices use 22050 Hz. */
  sampleRate?: number;
}

/**
 * Speech from Piper. The text goes to piper's standard input and raw 16-bit mono PCM comes back
 * on standard output; no shell is involved.
 */
// NOTE: no Piper binary or voice is available on the machines rex is tested on, so this path
// has run only against a stand-in program with the same interface.
export class PiperSynthesizer implements Synthesizer {
  constructor(private readonly options: PiperOptions) {}

  async synthesize(text: string, options: SynthesisOptions = {}): Promise<SynthesizedAudio> {
    const sampleRate = this.options.sampleRate ?? 22050;
    const cleaned = cleanTextForSpeech(text);
    if (cleaned === "") return { pcm: new Float32Array(0), sampleRate };
    const raw = await this.run(cleaned, options.signal);
    const pcm = new Float32Array(Math.floor(raw.length / 2));
    for (let i = 0; i < pcm.length; i++) pcm[i] = raw.readInt16LE(i * 2) / 32768;
    return { pcm, sampleRate };
  }

  private run(text: string, signal?: AbortSignal): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.options.binary, ["--model", this.options.model, "--output_raw"], {
        stdio: ["pipe", "pipe", "pipe"],
        signal,
      });
      const stdout: Buffer[] = [];
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.on("error", (error: NodeJS.ErrnoException) => {
        if (signal?.aborted) return reject(signal.reason);
        const hint = error.code === "ENOENT" ? `: '${this.options.binary}' not found; set REX_PIPER_BINARY` : `: ${error.message}`;
        reject(new RexError("TTS_FAILED", `cannot start piper${hint}`, { cause: error }));
      });
      child.on("close", (code) => {
        if (code === 0) return resolve(Buffer.concat(stdout));
        if (signal?.aborted) return reject(signal.reason);
        reject(new RexError("TTS_FAILED", `piper exited with status ${code}: ${stderr.trim().slice(-500)}`));
      });
      child.stdin.end(`${text}\n`);
    });
  }
}
