/**
 * Worker process that `rex bench` starts to measure rex the way an application uses it: import
 * the package, load a model, then decode and transcribe files on request, timing each step.
 * It speaks the line protocol of worker-protocol.ts. Running in its own process keeps its peak
 * memory apart from the benchmark's.
 */
import { configureLogger, decodeAudioFile, Transcriber, type TranscribeOptions, type Transcript } from "../index.js";
import { fittedAudioContext } from "../speech/transcriber.js";
import { serveRequests } from "./worker-protocol.js";

/** Encoder window: "full" is whisper's 30 s, "fit" is rex's fitAudioContext, a number is explicit. */
export type WindowChoice = "full" | "fit" | number;

export interface RexWorkerSetup {
  modelPath: string;
  threads: number;
  useGpu: boolean;
  flashAttention: boolean;
}

export interface RexWorkerReady {
  loadMs: number;
  /** Resident memory with rex imported, before the model loads, in MB. */
  rssBeforeLoadMB: number;
}

export interface RexWorkerTask {
  path: string;
  window: WindowChoice;
}

export interface RexTaskResult {
  /** Encoder frames used, where 1500 is the full window. */
  audioContext: number;
  decodeFileMs: number;
  /** The awaited transcribe() call, as the caller sees it. */
  transcribeMs: number;
  timings: Transcript["timings"];
  text: string;
}

const FULL_AUDIO_CONTEXT = 1500;

/**
 * Returns the transcribe() options for `window` and the encoder frames they select. An explicit
 * window turns off temperature retries, as fitAudioContext does, so only the size differs.
 */
function windowOptions(window: WindowChoice, samples: number): { options: TranscribeOptions; audioContext: number } {
  if (window === "fit") return { options: { fitAudioContext: true }, audioContext: fittedAudioContext(samples, flashAttention) };
  if (window === "full") return { options: {}, audioContext: FULL_AUDIO_CONTEXT };
  return { options: { audioContext: window, temperatureIncrement: 0 }, audioContext: window };
}

let transcriber: Transcriber | undefined;
/** The loaded model's flash-attention setting, which changes the fitted window. */
let flashAttention = false;

async function load(setup: RexWorkerSetup): Promise<RexWorkerReady> {
  configureLogger({ level: "warn", pretty: false });
  const { threads, useGpu } = setup;
  flashAttention = setup.flashAttention;
  const rssBeforeLoadMB = process.memoryUsage().rss / 2 ** 20;
  const started = performance.now();
  transcriber = await Transcriber.load(setup.modelPath, { threads, useGpu, flashAttention: setup.flashAttention });
  return { loadMs: performance.now() - started, rssBeforeLoadMB };
}

async function transcribe(task: RexWorkerTask): Promise<RexTaskResult> {
  const decodeStarted = performance.now();
  const audio = await decodeAudioFile(task.path);
  const decodeFileMs = performance.now() - decodeStarted;
  const { options, audioContext } = windowOptions(task.window, audio.pcm.length);
  const started = performance.now();
  const transcript = await transcriber!.transcribe(audio.pcm, { language: "en", ...options });
  const transcribeMs = performance.now() - started;
  return { audioContext, decodeFileMs, transcribeMs, timings: transcript.timings, text: transcript.text };
}

await serveRequests("rex-worker", load, transcribe, () => transcriber?.free());
