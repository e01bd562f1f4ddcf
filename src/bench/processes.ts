import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** GNU time, which reports a child's peak resident memory. Memory is not measured without it. */
const GNU_TIME = "/usr/bin/time";

/** Outcome of one child process. */
export interface TimedProcess {
  status: number | null;
  stdout: string;
  stderr: string;
  /** From spawn to exit, measured by this process. */
  wallMs: number;
  /**
   * Peak resident memory in MB of the largest process in the tree that GNU time waited for,
   * or null without /usr/bin/time.
   */
  maxRssMB: number | null;
}

export interface RunOptions {
  timeoutMs: number;
  /** "pipe" keeps standard input open for a worker that reads requests; default "ignore". */
  stdin?: "pipe" | "ignore";
}

/** A started child process and the promise of its outcome. */
export interface TimedChild {
  child: ChildProcess;
  /** Settles when the process exits, and rejects when it cannot start or runs past the timeout. */
  finished: Promise<TimedProcess>;
}

/**
 * Starts `file` with `args` without a shell and measures its wall time and, through GNU time,
 * its peak resident memory.
 */
export async function startTimed(file: string, args: string[], options: RunOptions): Promise<TimedChild> {
  const scratch = existsSync(GNU_TIME) ? await mkdtemp(join(tmpdir(), "rex-bench-time-")) : undefined;
  const rssFile = scratch ? join(scratch, "maxrss") : undefined;
  const command = rssFile ? GNU_TIME : file;
  const commandArgs = rssFile ? ["-f", "%M", "-o", rssFile, "--", file, ...args] : args;

  const started = performance.now();
  const child = spawn(command, commandArgs, { stdio: [options.stdin ?? "ignore", "pipe", "pipe"] });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout!.on("data", (chunk: Buffer) => stdout.push(chunk));
  child.stderr!.on("data", (chunk: Buffer) => stderr.push(chunk));

  const exited = new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${file} ${args.join(" ")} timed out after ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${command}: ${error.message}`, { cause: error }));
    });
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve(status);
    });
  });

  const finished = (async (): Promise<TimedProcess> => {
    try {
      const status = await exited;
      const wallMs = performance.now() - started;
      const maxRssKb = rssFile ? Number.parseInt((await readFile(rssFile, "utf8").catch(() => "")).trim(), 10) : Number.NaN;
      return {
        status,
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
        wallMs,
        maxRssMB: Number.isFinite(maxRssKb) ? maxRssKb / 1024 : null,
      };
    } finally {
      if (scratch) await rm(scratch, { recursive: true, force: true });
    }
  })();
  return { child, finished };
}

/** Runs `file` with `args` to the end; see {@link startTimed}. */
export async function runTimed(file: string, args: string[], options: RunOptions): Promise<TimedProcess> {
  const { finished } = await startTimed(file, args, options);
  return finished;
}

/** Returns the last `maxChars` characters of a process's output, for error messages. */
export function outputTail(text: string, maxChars = 600): string {
  const trimmed = text.trim();
  return trimmed.length <= maxChars ? trimmed : `…${trimmed.slice(-maxChars)}`;
}
