/**
 * Worker process that `rex bench` starts to measure the nodejs-whisper package: it calls
 * nodewhisper() once per requested file and speaks the line protocol of worker-protocol.ts.
 * nodejs-whisper changes the working directory while it runs, which is one more reason to keep
 * it out of the benchmark's own process.
 */
import { createRequire } from "node:module";

import { parseTimings, toStages, type WhisperCppStages } from "./whisper-cli-output.js";
import { serveRequests } from "./worker-protocol.js";

export interface NodejsWhisperSetup {
  /** nodejs-whisper's model name, such as "tiny.en". It loads `<modelRootPath>/ggml-<name>.bin`. */
  modelName: string;
  modelRootPath: string;
}

export interface NodejsWhisperReady {
  requireMs: number;
}

export interface NodejsWhisperTask {
  path: string;
}

export interface NodejsWhisperCall extends WhisperCppStages {
  /** The awaited nodewhisper() call. */
  wallMs: number;
  text: string;
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

let nodewhisper: Nodewhisper | undefined;
let setup: NodejsWhisperSetup | undefined;
// whisper-cli's standard error (with its timings) reaches the logger's debug method.
let captured: string[] = [];
const collect = (...args: unknown[]) => {
  captured.push(args.map(String).join(" "));
};
const logger = { debug: collect, log: collect, error: collect };

async function load(config: NodejsWhisperSetup): Promise<NodejsWhisperReady> {
  setup = config;
  const started = performance.now();
  nodewhisper = (createRequire(import.meta.url)("nodejs-whisper") as { nodewhisper: Nodewhisper }).nodewhisper;
  return { requireMs: performance.now() - started };
}

async function call(task: NodejsWhisperTask): Promise<NodejsWhisperCall> {
  captured = [];
  const started = performance.now();
  const output = await nodewhisper!(task.path, {
    modelName: setup!.modelName,
    modelRootPath: setup!.modelRootPath,
    removeWavFileAfterTranscription: false,
    withCuda: false,
    logger,
    // Without a language nodejs-whisper passes "-l auto", which adds language detection.
    whisperOptions: { language: "en" },
  });
  const wallMs = performance.now() - started;
  return { wallMs, text: transcriptText(output), ...toStages(parseTimings(captured.join("\n"))) };
}

await serveRequests("nodejs-whisper-worker", load, call);
