import { Worker } from "node:worker_threads";

import { RexError } from "../errors.js";
import { getLogger } from "../log.js";
import { pluginWorkerMain, type WorkerReply, type WorkerRequest } from "./worker-main.js";

const log = getLogger("plugins");

// NOTE: this needs async functions compiled as they are (tsconfig target ES2017 or later). A
// downlevelled function calls helpers defined outside its body, which the worker would not have.
const WORKER_SOURCE = `(${pluginWorkerMain.toString()})();`;

/** Limits for one worker run. */
export interface WorkerLimits {
  timeoutMs: number;
  /** Heap limit of the worker thread in MiB. */
  maxMemoryMb: number;
  signal?: AbortSignal;
}

let runningWorkers = 0;

/** Returns the number of plugin worker threads that have started and not yet ended. */
export function runningWorkerCount(): number {
  return runningWorkers;
}

/**
 * Runs `request` in a new worker thread and resolves with its reply. On timeout the worker is
 * terminated and the promise rejects with PLUGIN_TIMEOUT. When `signal` aborts, the worker is
 * terminated and the promise rejects with the signal's reason. In every case the worker has ended
 * by the time the promise settles.
 */
export async function runInWorker(request: WorkerRequest, label: string, limits: WorkerLimits): Promise<WorkerReply> {
  limits.signal?.throwIfAborted();
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: request,
    // No inherited flags: a TypeScript loader or --inspect from the host must not load in each plugin call.
    execArgv: [],
    stdout: true,
    stderr: true,
    resourceLimits: { maxOldGenerationSizeMb: limits.maxMemoryMb },
  });
  runningWorkers++;
  forwardOutput(worker, label);
  let outcome: { reply: WorkerReply } | { error: unknown };
  try {
    outcome = await waitForReply(worker, label, limits);
  } finally {
    // A plugin may leave sockets or timers open, so the worker is always stopped after its reply.
    await worker.terminate();
    runningWorkers--;
  }
  if ("error" in outcome) throw outcome.error;
  return outcome.reply;
}

function waitForReply(
  worker: Worker,
  label: string,
  limits: WorkerLimits,
): Promise<{ reply: WorkerReply } | { error: unknown }> {
  return new Promise((resolve) => {
    // The listeners stay attached after the first outcome, because an "error" event without a
    // listener would crash the host. Later events are ignored.
    let settled = false;
    const finish = (outcome: { reply: WorkerReply } | { error: unknown }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      limits.signal?.removeEventListener("abort", onAbort);
      resolve(outcome);
    };
    const onAbort = () => finish({ error: limits.signal?.reason });
    const timer = setTimeout(() => {
      const advice = "Raise the plugin timeout (plugins.timeoutMs) if it needs longer";
      const message = `${label} timed out after ${limits.timeoutMs} ms and was stopped. ${advice}.`;
      finish({ error: new RexError("PLUGIN_TIMEOUT", message) });
    }, limits.timeoutMs);
    limits.signal?.addEventListener("abort", onAbort, { once: true });
    worker.on("message", (reply: WorkerReply) => finish({ reply }));
    worker.on("error", (error: Error & { code?: string }) => finish({ error: workerFailure(label, error) }));
    worker.on("exit", (code) => {
      const message = `${label} failed: its worker thread exited with code ${code} before returning a result.`;
      finish({ error: new RexError("PLUGIN_FAILED", message) });
    });
  });
}

function workerFailure(label: string, error: Error & { code?: string }): RexError {
  if (error.code === "ERR_WORKER_OUT_OF_MEMORY") {
    return new RexError("PLUGIN_FAILED", `${label} failed: it ran out of memory and was stopped.`, { cause: error });
  }
  return new RexError("PLUGIN_FAILED", `${label} failed: ${error.message}`, { cause: error });
}

/** Logs what the plugin writes to standard output and standard error, which stay off rex's standard output. */
function forwardOutput(worker: Worker, label: string): void {
  worker.stdout.setEncoding("utf8").on("data", (text: string) => log.debug({ plugin: label, text }, "plugin output"));
  worker.stderr.setEncoding("utf8").on("data", (text: string) => log.warn({ plugin: label, text }, "plugin error output"));
}
