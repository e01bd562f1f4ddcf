/** Starts the rex and nodejs-whisper worker processes and reads their results. */
import { existsSync, realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import type { NodejsWhisperJob, NodejsWhisperResult } from "./nodejs-whisper-worker.js";
import { outputTail, runTimed } from "./processes.js";
import type { RexWorkerJob, RexWorkerResult } from "./rex-worker.js";
import type { WhisperCppTools } from "./whisper-cpp.js";

const TIMEOUT_MS = 60 * 60 * 1000;

/** A worker's result with what the parent measured around the process. */
export interface WorkerRun<T> {
  result: T;
  processMs: number;
  /** Peak resident memory of the worker and any child it waited for, from GNU time. */
  maxRssMB: number | null;
}

async function runWorker<T>(script: string, job: unknown): Promise<WorkerRun<T>> {
  const path = fileURLToPath(new URL(script, import.meta.url));
  const run = await runTimed(process.execPath, [path, JSON.stringify(job)], { timeoutMs: TIMEOUT_MS });
  const lastLine = run.stdout.trim().split("\n").pop() ?? "";
  if (run.status !== 0 || !lastLine.startsWith("{")) {
    throw new Error(`${basename(path)} failed with status ${run.status}: ${outputTail(run.stderr || run.stdout)}`);
  }
  return { result: JSON.parse(lastLine) as T, processMs: run.wallMs, maxRssMB: run.maxRssMB };
}

export function runRexWorker(job: RexWorkerJob): Promise<WorkerRun<RexWorkerResult>> {
  return runWorker<RexWorkerResult>("./rex-worker.js", job);
}

export function runNodejsWhisperWorker(job: NodejsWhisperJob): Promise<WorkerRun<NodejsWhisperResult>> {
  return runWorker<NodejsWhisperResult>("./nodejs-whisper-worker.js", job);
}

/** Model names that nodejs-whisper 0.3.1 accepts, each stored as ggml-<name>.bin. */
const NODEJS_WHISPER_MODELS = [
  "tiny",
  "tiny.en",
  "base",
  "base.en",
  "small",
  "small.en",
  "medium",
  "medium.en",
  "large-v1",
  "large",
  "large-v3-turbo",
];

/** Version of the installed nodejs-whisper package, or null when it is not installed. */
export function nodejsWhisperVersion(): string | null {
  const require = createRequire(import.meta.url);
  try {
    return (require("nodejs-whisper/package.json") as { version: string }).version;
  } catch {
    return null;
  }
}

export interface NodejsWhisperSetup {
  version: string;
  modelName: string;
  modelRootPath: string;
}

/**
 * Checks that nodejs-whisper can run the same model file and the whisper-cli of `tools`, and
 * returns its model arguments, or the reason it cannot.
 */
export function checkNodejsWhisper(modelPath: string, tools: WhisperCppTools): NodejsWhisperSetup | { missing: string } {
  const version = nodejsWhisperVersion();
  if (version === null) {
    return { missing: "the nodejs-whisper package is not installed: run npm install in the rex repository" };
  }
  const packageDir = dirname(createRequire(import.meta.url).resolve("nodejs-whisper/package.json"));
  const match = /^ggml-(.+)\.bin$/.exec(basename(modelPath));
  if (!match || !NODEJS_WHISPER_MODELS.includes(match[1])) {
    return { missing: `nodejs-whisper loads only its named models (ggml-<name>.bin), not ${basename(modelPath)}` };
  }
  // nodejs-whisper runs only this path, so the build script puts a link to tools.cli there.
  const expectedCli = join(packageDir, "cpp", "whisper.cpp", "build", "bin", "whisper-cli");
  if (!existsSync(expectedCli) || realpathSync(expectedCli) !== realpathSync(tools.cli)) {
    return {
      missing:
        `nodejs-whisper would not run ${tools.cli} (it runs ${expectedCli}): ` +
        "run bash bench/build-whisper-cpp.sh, which links it there",
    };
  }
  return { version, modelName: match[1], modelRootPath: dirname(modelPath) };
}
