import { spawn } from "node:child_process";
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
  env?: NodeJS.ProcessEnv;
  timeoutMs: number;
}

/**
 * Runs `file` with `args` without a shell and measures its wall time and, through GNU time,
 * its peak resident memory. Rejects when the process cannot start or runs past the timeout.
 */
export async function runTimed(file: string, args: string[], options: RunOptions): Promise<TimedProcess> {
  const useTime = existsSync(GNU_TIME);
  const scratch = useTime ? await mkdtemp(join(tmpdir(), "rex-bench-time-")) : undefined;
  const rssFile = scratch ? join(scratch, "maxrss") : undefined;
  const command = rssFile ? GNU_TIME : file;
  const commandArgs = rssFile ? ["-f", "%M", "-o", rssFile, "--", file, ...args] : args;
  try {
    const result = await spawnAndCollect(command, commandArgs, options);
    const maxRssKb = rssFile ? Number.parseInt((await readFile(rssFile, "utf8").catch(() => "")).trim(), 10) : Number.NaN;
    return { ...result, maxRssMB: Number.isFinite(maxRssKb) ? maxRssKb / 1024 : null };
  } finally {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }
}

function spawnAndCollect(
  command: string,
  args: string[],
  options: RunOptions,
): Promise<Omit<TimedProcess, "maxRssMB">> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${[command, ...args].join(" ")} timed out after ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${command}: ${error.message}`, { cause: error }));
    });
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({
        status,
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
        wallMs: performance.now() - started,
      });
    });
  });
}

/** Returns the last `maxChars` characters of a process's output, for error messages. */
export function outputTail(text: string, maxChars = 600): string {
  const trimmed = text.trim();
  return trimmed.length <= maxChars ? trimmed : `…${trimmed.slice(-maxChars)}`;
}
