/**
 * Child process that `rex bench` starts to measure the nodejs-whisper package: it calls
 * nodewhisper() once per file, in order, and prints one JSON result line to standard output.
 * nodejs-whisper changes the working directory while it runs, which is one more reason to keep
 * it out of the benchmark's own process.
 */
import { createRequire } from "node:module";

import { parseTimings, toStages, type WhisperCppStages } from "./whisper-cli-output.js";

export interface NodejsWhisperJob {
  /** nodejs-whisper's model name, such as "tiny.en". It loads `<modelRootPath>/ggml-<name>.bin`. */
  modelName: string;
  modelRootPath: string;
  files: string[];
}

export interface NodejsWhisperCall extends WhisperCppStages {
  file: string;
  /** The awaited nodewhisper() call. */
  wallMs: number;
  text: string;
}

export interface NodejsWhisperResult {
  requireMs: number;
  calls: NodejsWhisperCall[];
}

interface NodewhisperOptions {
  modelName: string;
  modelRootPath: string;
  removeWavFileAfterTranscription: boolean;
  withCuda: boolean;
  logger: { debug: (...args: unknown[]) => void; error: (...args: unknown[]) => void; log: (...args: unknown[]) => void };
  whisperOptions: { language: string };
}

type Nodewhisper = (filePath: string, options: NodewhisperOptions) => Promise<string>;

/** Strips the "[00:00:00.000 --> 00:00:02.000]" prefixes from nodewhisper()'s result. */
function transcriptText(output: string): string {
  return output
    .split("\n")
    .map((line) => line.replace(/^\s*\[[^\]]*-->[^\]]*\]\s*/, "").trim())
    .filter(Boolean)
    .join(" ");
}

async function runJob(job: NodejsWhisperJob): Promise<NodejsWhisperResult> {
  const requireStarted = performance.now();
  const require = createRequire(import.meta.url);
  const { nodewhisper } = require("nodejs-whisper") as { nodewhisper: Nodewhisper };
  const requireMs = performance.now() - requireStarted;

  // whisper-cli's standard error (with its timings) reaches the logger's debug method.
  let captured: string[] = [];
  const collect = (...args: unknown[]) => {
    captured.push(args.map(String).join(" "));
  };
  const logger = { debug: collect, log: collect, error: collect };

  const calls: NodejsWhisperCall[] = [];
  for (const file of job.files) {
    captured = [];
    const started = performance.now();
    const output = await nodewhisper(file, {
      modelName: job.modelName,
      modelRootPath: job.modelRootPath,
      removeWavFileAfterTranscription: false,
      withCuda: false,
      logger,
      // Without a language nodejs-whisper passes "-l auto", which adds language detection.
      whisperOptions: { language: "en" },
    });
    const wallMs = performance.now() - started;
    const stages = toStages(parseTimings(captured.join("\n")));
    calls.push({ file, wallMs, text: transcriptText(output), ...stages });
  }
  return { requireMs, calls };
}

const job = JSON.parse(process.argv[2] ?? "null") as NodejsWhisperJob | null;
if (!job || typeof job.modelName !== "string" || !Array.isArray(job.files)) {
  process.stderr.write("nodejs-whisper-worker: expected a job as JSON in the first argument\n");
  process.exitCode = 2;
} else {
  const result = await runJob(job);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
