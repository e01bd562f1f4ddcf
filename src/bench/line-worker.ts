/** The parent side of the worker line protocol in worker-protocol.ts. */
import { createInterface } from "node:readline";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";

import { outputTail, startTimed, type TimedChild } from "./processes.js";
import type { WorkerMessage } from "./worker-protocol.js";

const TIMEOUT_MS = 2 * 60 * 60 * 1000;

/** Measurements of a worker process that has exited. */
export interface WorkerExit {
  /** The worker's own process.resourceUsage().maxRSS, in MB. */
  maxRssMB: number;
  /** Peak resident memory of the worker and any child it waited for, from GNU time. */
  treeMaxRssMB: number | null;
  processMs: number;
}

/** A worker process that handles one request at a time. */
export class LineWorker<Ready, Task, Result> {
  private constructor(
    private readonly name: string,
    private readonly timed: TimedChild,
    private readonly lines: AsyncIterator<string>,
  ) {}

  /** Starts the worker `script` (next to this module) with `setup` and waits until it is ready. */
  static async start<Ready, Task, Result>(script: string, setup: unknown): Promise<{ worker: LineWorker<Ready, Task, Result>; ready: Ready }> {
    const path = fileURLToPath(new URL(script, import.meta.url));
    const timed = await startTimed(process.execPath, [path, JSON.stringify(setup)], { timeoutMs: TIMEOUT_MS, stdin: "pipe" });
    timed.finished.catch(() => {}); // read in next(); this keeps an early failure from going unhandled
    const lines = createInterface({ input: timed.child.stdout! })[Symbol.asyncIterator]();
    const worker = new LineWorker<Ready, Task, Result>(basename(path), timed, lines);
    const message = await worker.next();
    if (message.type !== "ready") throw new Error(`${worker.name} sent ${message.type} before it was ready`);
    const { type: _type, ...ready } = message;
    return { worker, ready: ready as Ready };
  }

  /** Sends one task and waits for its result. */
  async request(task: Task): Promise<Result> {
    this.timed.child.stdin!.write(`${JSON.stringify(task)}\n`);
    const message = await this.next();
    if (message.type !== "result") throw new Error(`${this.name} sent ${message.type} instead of a result`);
    return message.result;
  }

  /** Ends standard input and waits for the worker to exit. */
  async close(): Promise<WorkerExit> {
    this.timed.child.stdin!.end();
    const message = await this.next();
    if (message.type !== "done") throw new Error(`${this.name} sent ${message.type} instead of its final report`);
    const exit = await this.timed.finished;
    return { maxRssMB: message.maxRssMB, treeMaxRssMB: exit.maxRssMB, processMs: exit.wallMs };
  }

  /** Reads the next protocol message, skipping any other line a library printed. */
  private async next(): Promise<WorkerMessage<Ready, Result>> {
    for (;;) {
      const line = await this.lines.next();
      if (line.done) {
        const exit = await this.timed.finished;
        throw new Error(`${this.name} exited with status ${exit.status}: ${outputTail(exit.stderr || exit.stdout)}`);
      }
      if (line.value.startsWith('{"type":')) return JSON.parse(line.value) as WorkerMessage<Ready, Result>;
    }
  }
}
