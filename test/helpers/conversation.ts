/**
 * Helpers for end-to-end conversations with a long-running `rex listen` process. They start it with
 * a clean environment, follow its stdout lines and pino log records as they arrive, and stop it with
 * SIGTERM. Others find its listening chime, its sentences and its silences in a monitor stream.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";

import { genuineModel, repoRoot, vadModelPath } from "./fixtures.js";
import type { MonitorChunk } from "./pulse.js";

const CLI = join(repoRoot, "dist", "cli", "main.js");
const POLL_INTERVAL_MS = 20;
/** Time rex gets to exit after SIGTERM before it is killed with SIGKILL. */
const EXIT_TIMEOUT_MS = 15_000;
/** Samples below this magnitude (-40 dBFS) count as silence. */
export const SILENCE = 0.01;

/** A line of output and the performance.now() time at which it reached the test process. */
export interface TimedLine {
  text: string;
  receivedAt: number;
}

/** A pino record from rex's stderr, with its arrival time. */
export interface LogRecord {
  msg?: string;
  module?: string;
  receivedAt: number;
  [field: string]: unknown;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * A running `rex listen` process. Its stdout is kept as lines and its stderr as parsed pino
 * records, each stamped with its arrival time.
 */
export class RexProcess {
  readonly stdoutLines: TimedLine[] = [];
  readonly logs: LogRecord[] = [];
  /** Stderr lines that are not native whisper.cpp records (whisper.cpp logs in bulk at debug level). */
  readonly logLines: string[] = [];
  readonly exited: Promise<ExitStatus>;
  private exitStatus: ExitStatus | undefined;

  private constructor(readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => {
      child.once("close", (code, signal) => {
        this.exitStatus = { code, signal };
        resolve(this.exitStatus);
      });
    });
    onLines(child.stdout!, (text, receivedAt) => this.stdoutLines.push({ text, receivedAt }));
    onLines(child.stderr!, (text, receivedAt) => {
      if (text.includes('"module":"native"')) return;
      this.logLines.push(text);
      const record = parseRecord(text);
      if (record) this.logs.push({ ...record, receivedAt });
    });
  }

  /** Runs `node dist/cli/main.js listen` with `args` in `cwd`. */
  static start(args: string[], env: NodeJS.ProcessEnv, cwd: string): RexProcess {
    const child = spawn(process.execPath, [CLI, "listen", ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    return new RexProcess(child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.exitStatus === undefined;
  }

  /** Returns stdout as one string. */
  get stdout(): string {
    return this.stdoutLines.map((line) => line.text).join("\n");
  }

  /** Returns rex's own log lines, without the native ones, for failure messages. */
  get log(): string {
    return this.logLines.join("\n");
  }

  /** Returns the log records whose message is `message`. */
  records(message: string): LogRecord[] {
    return this.logs.filter((record) => record.msg === message);
  }

  /** Returns the stdout lines that match `pattern`. */
  lines(pattern: RegExp): TimedLine[] {
    return this.stdoutLines.filter((line) => pattern.test(line.text));
  }

  /** Waits until the `count`-th log record with message `message` has arrived, and returns it. */
  waitForLog(message: string, timeoutMs: number, count = 1): Promise<LogRecord> {
    return this.waitFor(() => this.records(message)[count - 1], `log '${message}' (${count} times)`, timeoutMs);
  }

  /** Waits until the `count`-th stdout line that matches `pattern` has arrived, and returns it. */
  waitForLine(pattern: RegExp, timeoutMs: number, count = 1): Promise<TimedLine> {
    return this.waitFor(() => this.lines(pattern)[count - 1], `print ${pattern} (${count} times)`, timeoutMs);
  }

  /**
   * Polls `find` until it returns a value. Rejects with rex's stdout and log when rex exits
   * first or when `timeoutMs` passes.
   */
  async waitFor<T>(find: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      if (this.exitStatus) {
        const status = this.exitStatus.code ?? this.exitStatus.signal;
        throw new Error(`rex exited with ${status} before it did ${what}\n${this.describe()}`);
      }
      if (performance.now() > deadline) throw new Error(`rex did not ${what} within ${timeoutMs} ms\n${this.describe()}`);
      await sleep(POLL_INTERVAL_MS);
    }
  }

  /** Sends SIGTERM and waits for rex to exit, with SIGKILL after EXIT_TIMEOUT_MS. */
  async stop(): Promise<ExitStatus> {
    if (!this.running) return this.exited;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), EXIT_TIMEOUT_MS);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills rex with SIGKILL if it still runs, for teardown after a failed test. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill("SIGKILL");
    await this.exited;
  }

  private describe(): string {
    return `stdout:\n${this.stdout}\nlog:\n${this.log}`;
  }
}

/**
 * Returns the environment for the CLI: this process's environment without REX_ and OPENAI_
 * variables, so a developer's settings do not leak in, plus the PulseAudio server in `pulseEnv`,
 * the test models, debug logging (for "turn timings"), and `extra`.
 */
export function cliEnvironment(pulseEnv: Record<string, string>, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith("REX_") && !name.startsWith("OPENAI_")) env[name] = value;
  }
  return {
    ...env,
    ...pulseEnv,
    REX_MODELS_DIR: dirname(genuineModel("tiny.en")),
    REX_VAD_MODEL: vadModelPath,
    REX_LOG_LEVEL: "debug",
    ...extra,
  };
}

/**
 * Waits until sound that arrived after `since` has been followed by `silenceMs` of silence, which
 * is how the end of rex's listening chime looks in the monitor. Returns false when no sound
 * arrives within `timeoutMs`.
 */
export async function waitForChimeEnd(chunks: MonitorChunk[], since: number, silenceMs: number, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const lastLoud = lastLoudChunk(chunks, since);
    if (lastLoud && performance.now() - lastLoud.receivedAt >= silenceMs) return true;
    if (!lastLoud && performance.now() > deadline) return false;
    await sleep(POLL_INTERVAL_MS);
  }
}

/**
 * Waits for sound after `since`, then a pause of at least `pauseMs`, then sound again, as between
 * two sentences of a reply. Returns the arrival time of the sound after the pause, or undefined
 * when none arrives within `timeoutMs`.
 */
export async function waitForSoundAfterPause(chunks: MonitorChunk[], since: number, pauseMs: number, timeoutMs: number): Promise<number | undefined> {
  const deadline = performance.now() + timeoutMs;
  let checked = 0;
  let lastLoud: number | undefined;
  while (performance.now() <= deadline) {
    for (; checked < chunks.length; checked++) {
      const chunk = chunks[checked];
      if (chunk.receivedAt <= since || !isLoud(chunk)) continue;
      if (lastLoud !== undefined && chunk.receivedAt - lastLoud >= pauseMs) return chunk.receivedAt;
      lastLoud = chunk.receivedAt;
    }
    await sleep(POLL_INTERVAL_MS);
  }
  return undefined;
}

/** Returns the monitor audio that arrived in the time range (from, to], as one array. */
export function audioBetween(chunks: MonitorChunk[], from: number, to: number): Float32Array {
  const selected = chunks.filter((chunk) => chunk.receivedAt > from && chunk.receivedAt <= to);
  const audio = new Float32Array(selected.reduce((sum, chunk) => sum + chunk.samples.length, 0));
  let offset = 0;
  for (const chunk of selected) {
    audio.set(chunk.samples, offset);
    offset += chunk.samples.length;
  }
  return audio;
}

/**
 * Finds the first silence of at least `silenceMs` that begins after `from`, and returns the arrival
 * time of the last loud chunk before it, which is when the sink fell silent. Returns undefined
 * when no loud chunk arrived after `from` or no such silence followed it.
 */
export function soundEndBeforeSilence(chunks: MonitorChunk[], from: number, silenceMs: number): number | undefined {
  const after = chunks.filter((chunk) => chunk.receivedAt > from);
  let lastLoud: number | undefined;
  for (const chunk of after) {
    if (!isLoud(chunk)) continue;
    if (lastLoud !== undefined && chunk.receivedAt - lastLoud >= silenceMs) return lastLoud;
    lastLoud = chunk.receivedAt;
  }
  const lastArrival = after.at(-1)?.receivedAt;
  if (lastLoud !== undefined && lastArrival !== undefined && lastArrival - lastLoud >= silenceMs) return lastLoud;
  return undefined;
}

/** Returns the last loud chunk that arrived after `since`, searching from the end. */
function lastLoudChunk(chunks: MonitorChunk[], since: number): MonitorChunk | undefined {
  for (let i = chunks.length - 1; i >= 0 && chunks[i].receivedAt > since; i--) {
    if (isLoud(chunks[i])) return chunks[i];
  }
  return undefined;
}

const loudness = new WeakMap<MonitorChunk, boolean>();

/** Returns whether any sample of the chunk is above SILENCE. The result is cached, because waits check the same chunks often. */
function isLoud(chunk: MonitorChunk): boolean {
  let loud = loudness.get(chunk);
  if (loud === undefined) {
    loud = chunk.samples.some((sample) => Math.abs(sample) > SILENCE);
    loudness.set(chunk, loud);
  }
  return loud;
}

/** Plays a WAV file into the PulseAudio sink named `sink` and resolves when paplay exits with status 0. */
export function playInto(pulseEnv: Record<string, string>, sink: string, wavPath: string): Promise<void> {
  const child = spawn("paplay", [`--device=${sink}`, wavPath], { env: { ...process.env, ...pulseEnv }, stdio: ["ignore", "ignore", "pipe"] });
  return runToEnd(child);
}

/** Runs pactl with `args` against the server in `pulseEnv` and returns its trimmed stdout. */
export function pactl(pulseEnv: Record<string, string>, args: string[]): string {
  return execFileSync("pactl", args, { env: { ...process.env, ...pulseEnv }, encoding: "utf8" }).trim();
}

/**
 * Reads `source` with a 10 ms fragment and discards the audio. While no low-latency client reads
 * a null sink's monitor, the sink renders in large blocks and the monitor delivers sound late,
 * which a real microphone does not. Returns a function that stops the reader.
 */
export function keepSourceRendering(pulseEnv: Record<string, string>, source: string): () => void {
  const reader = spawn("parec", [`--device=${source}`, "--raw", "--format=s16le", "--rate=16000", "--channels=1", "--latency-msec=10"], {
    env: { ...process.env, ...pulseEnv },
    stdio: ["ignore", "pipe", "ignore"],
  });
  reader.stdout!.resume();
  return () => {
    if (reader.exitCode === null && reader.signalCode === null) reader.kill("SIGKILL");
  };
}

/** Returns the number of threads of process `pid` from /proc/<pid>/status, or undefined where /proc is not available. */
export function threadCount(pid: number): number | undefined {
  try {
    const match = /^Threads:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Lowercases and replaces punctuation with spaces, so "What's the time?" contains "what s the time". */
export function normalize(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .trim();
}

/** Calls `onLine` for each complete line of a stream, with the time its chunk arrived. */
function onLines(stream: NodeJS.ReadableStream, onLine: (text: string, receivedAt: number) => void): void {
  let partial = "";
  stream.setEncoding("utf8");
  stream.on("data", (data: string) => {
    const receivedAt = performance.now();
    const parts = (partial + data).split("\n");
    partial = parts.pop()!;
    for (const part of parts) onLine(part, receivedAt);
  });
  stream.on("end", () => {
    if (partial !== "") onLine(partial, performance.now());
  });
}

function parseRecord(line: string): Omit<LogRecord, "receivedAt"> | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    return JSON.parse(line) as Omit<LogRecord, "receivedAt">;
  } catch {
    return undefined;
  }
}

/** Resolves when the child exits with status 0; rejects with the end of its stderr otherwise. */
function runToEnd(child: ChildProcess): Promise<void> {
  let stderr = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (data: string) => (stderr = (stderr + data).slice(-4000)));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${child.spawnfile} exited with ${code ?? signal}: ${stderr.trim()}`));
    });
  });
}
