/**
 * A `rex listen` child process for the turn benchmark, with its JSON log lines parsed as they
 * arrive and kept with their wall-clock times.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../cli/main.js", import.meta.url));
const STOP_TIMEOUT_MS = 5000;

/** One pino log record: `time` is Date.now() in the child when it logged. */
export interface LogRecord {
  msg: string;
  time: number;
  [field: string]: unknown;
}

export class ListenProcess {
  readonly records: LogRecord[] = [];
  private readonly stderrTail: string[] = [];
  private readonly exited: Promise<number | null>;

  private constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once("close", (code) => resolve(code)));
    createInterface({ input: child.stderr! }).on("line", (line) => this.onLine(line));
    child.stdout!.resume();
  }

  /** Runs `node dist/cli/main.js listen ...args` with `env` as its whole environment. */
  static start(args: string[], env: NodeJS.ProcessEnv): ListenProcess {
    return new ListenProcess(spawn(process.execPath, [CLI, "listen", ...args], { env, stdio: ["ignore", "pipe", "pipe"] }));
  }

  /** Records with this message, in order. */
  named(msg: string): LogRecord[] {
    return this.records.filter((record) => record.msg === msg);
  }

  /** Waits until `count` records with this message have arrived; rejects on exit or timeout. */
  async waitFor(msg: string, count: number, timeoutMs: number): Promise<LogRecord> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = this.named(msg);
      if (found.length >= count) return found[count - 1]!;
      if (this.child.exitCode !== null) throw new Error(`rex listen exited with ${this.child.exitCode} before '${msg}': ${this.tail()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`rex listen logged '${msg}' ${this.named(msg).length} times, not ${count}, within ${timeoutMs} ms: ${this.tail()}`);
  }

  /** Peak resident memory of the process so far (VmHWM), in MB. */
  peakRssMB(): number {
    const status = readFileSync(`/proc/${this.child.pid}/status`, "utf8");
    const kilobytes = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1]);
    if (!Number.isFinite(kilobytes)) throw new Error(`no VmHWM line in /proc/${this.child.pid}/status`);
    return kilobytes / 1024;
  }

  /** Sends SIGTERM, then SIGKILL after 5 s, and waits for the exit. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), STOP_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timer);
  }

  private onLine(line: string): void {
    // whisper.cpp's own lines arrive in bulk at debug level and are not needed here.
    if (line.includes('"module":"native"')) return;
    this.stderrTail.push(line);
    if (this.stderrTail.length > 20) this.stderrTail.shift();
    try {
      const record = JSON.parse(line) as LogRecord;
      if (typeof record.msg === "string" && typeof record.time === "number") this.records.push(record);
    } catch {
      // Lines that are not log records stay in the tail for error messages.
    }
  }

  private tail(): string {
    return this.stderrTail.join("\n");
  }
}
