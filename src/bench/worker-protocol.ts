/**
 * The line protocol between `rex bench` and its worker processes. The worker reads its setup as
 * JSON from its first argument and prints {"type":"ready",...}. Then it replies to each JSON line
 * on standard input with one {"type":"result","result":...} line. When standard input ends, it
 * prints {"type":"done","maxRssMB":...} and exits. A failure ends the worker with a message on
 * standard error, which the parent reports.
 */
import { createInterface } from "node:readline";

export type WorkerMessage<Ready, Result> =
  | ({ type: "ready" } & Ready)
  | { type: "result"; result: Result }
  | { type: "done"; maxRssMB: number };

function send(message: WorkerMessage<unknown, unknown>): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

/** Runs the worker side of the protocol with `setUp` and `handle`, in the worker process. */
export async function serveRequests<Setup, Ready extends object, Task, Result>(
  name: string,
  setUp: (setup: Setup) => Promise<Ready>,
  handle: (task: Task) => Promise<Result>,
  finish: () => void = () => {},
): Promise<void> {
  let setup: Setup;
  try {
    setup = JSON.parse(process.argv[2] ?? "") as Setup;
  } catch {
    process.stderr.write(`${name}: expected the setup as JSON in the first argument\n`);
    process.exitCode = 2;
    return;
  }
  send({ type: "ready", ...(await setUp(setup)) });
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() === "") continue;
    send({ type: "result", result: await handle(JSON.parse(line) as Task) });
  }
  finish();
  send({ type: "done", maxRssMB: process.resourceUsage().maxRSS / 1024 });
}
