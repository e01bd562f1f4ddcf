/** Runs whisper.cpp's own whisper-cli and whisper-bench, built by bench/build-whisper-cpp.sh. */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

import { outputTail, runTimed } from "./processes.js";
import { parseTimings, parseTranscript, toStages, type WhisperCppStages } from "./whisper-cli-output.js";

export interface WhisperCppTools {
  version: string;
  cli: string;
  bench: string;
}

/** One whisper-cli process. */
export interface WhisperCliRun extends WhisperCppStages {
  wallMs: number;
  maxRssMB: number | null;
  text: string;
}

/** whisper-bench's encoder and decoder timings for one model and thread count, in ms. */
export interface WhisperBenchRun {
  /** One encoder run over the full 30 s window. */
  encodeMs: number;
  /** One decoder run for one token. */
  decodeMsPerToken: number | null;
  /** One decoder run for a batch of 5 tokens. */
  batchdMsPerRun: number | null;
  /** One decoder run for a 256-token prompt. */
  promptMsPerRun: number | null;
  wallMs: number;
}

/**
 * Decoding options that make whisper-cli do what rex's transcribe() does by default. That is
 * greedy decoding (whisper-cli defaults to a beam of 5), suppressed non-speech tokens and token
 * timestamps. whisper-cli computes token timestamps only when a maximum segment length is set,
 * and 1000 characters never splits a segment here. Flash attention is set per call, because
 * whisper-cli 1.9.1 turns it on and rex's Transcriber.load leaves it off.
 */
const SAME_WORK_AS_REX = ["-l", "en", "-bs", "1", "-sns", "-ml", "1000"];

const TIMEOUT_MS = 30 * 60 * 1000;

/** Cache folder of bench/build-whisper-cpp.sh for whisper.cpp `version`. */
export function whisperCppDir(version: string): string {
  const cacheHome = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  const root = process.env.REX_BENCH_CACHE || join(cacheHome, "rex", "bench");
  return join(root, `whisper.cpp-${version}`);
}

/** Finds whisper-cli and whisper-bench for `version`, or returns why they are missing. */
export function findWhisperCpp(version: string): WhisperCppTools | { missing: string } {
  const bin = join(whisperCppDir(version), "bin");
  const cli = join(bin, "whisper-cli");
  const bench = join(bin, "whisper-bench");
  if (!existsSync(cli) || !existsSync(bench)) {
    return { missing: `whisper-cli or whisper-bench not found in ${bin}: run bash bench/build-whisper-cpp.sh in the rex repository` };
  }
  return { version, cli, bench };
}

export interface WhisperCliOptions {
  threads: number;
  flashAttention: boolean;
  /** Encoder frames (-ac); omitted for the full window. */
  audioContext?: number;
  /** No retries at higher temperatures (-nf), as rex's fitAudioContext does. */
  noFallback?: boolean;
}

/**
 * Transcribes `files` in one whisper-cli process. With several files the stage times are
 * totals over all of them, as whisper-cli prints them once at the end.
 */
export async function runWhisperCli(
  tools: WhisperCppTools,
  modelPath: string,
  files: string[],
  options: WhisperCliOptions,
): Promise<WhisperCliRun> {
  const args = ["-m", modelPath, "-t", String(options.threads), options.flashAttention ? "-fa" : "-nfa", ...SAME_WORK_AS_REX];
  if (options.audioContext !== undefined) args.push("-ac", String(options.audioContext));
  if (options.noFallback) args.push("-nf");
  for (const file of files) args.push("-f", file);
  const result = await runTimed(tools.cli, args, { timeoutMs: TIMEOUT_MS });
  if (result.status !== 0) {
    throw new Error(`whisper-cli exited with status ${result.status} on ${files.join(", ")}: ${outputTail(result.stderr)}`);
  }
  const stages = toStages(parseTimings(result.stderr));
  return { ...stages, wallMs: result.wallMs, maxRssMB: result.maxRssMB, text: parseTranscript(result.stdout) };
}

/** Runs whisper-bench's encoder and decoder benchmark (-w 0). */
export async function runWhisperBench(
  tools: WhisperCppTools,
  modelPath: string,
  threads: number,
  flashAttention: boolean,
): Promise<WhisperBenchRun> {
  const args = ["-m", modelPath, "-t", String(threads), flashAttention ? "-fa" : "-nfa", "-w", "0"];
  const result = await runTimed(tools.bench, args, { timeoutMs: TIMEOUT_MS });
  const timings = parseTimings(result.stderr);
  if (result.status !== 0 || timings.encode === undefined) {
    throw new Error(`whisper-bench failed (status ${result.status}) for ${modelPath}: ${outputTail(result.stderr)}`);
  }
  const perRun = (name: "decode" | "batchd" | "prompt") => {
    const total = timings[name];
    const runs = timings.runs[name];
    return total !== undefined && runs ? total / runs : null;
  };
  return {
    encodeMs: timings.encode / Math.max(1, timings.runs.encode ?? 1),
    decodeMsPerToken: perRun("decode"),
    batchdMsPerRun: perRun("batchd"),
    promptMsPerRun: perRun("prompt"),
    wallMs: result.wallMs,
  };
}
