/**
 * Child process that `rex bench` starts to measure rex the way an application uses it: import
 * the package, load a model, then decode and transcribe files, timing each step. It reads one
 * job as JSON from its first argument and prints one JSON result line to standard output.
 * Running in its own process keeps its peak memory apart from the benchmark's.
 */
import { configureLogger, decodeAudioFile, Transcriber, type TranscribeOptions, type Transcript } from "../index.js";
import { fittedAudioContext } from "../speech/transcriber.js";

/** Encoder window: "full" is whisper's 30 s, "fit" is rex's fitAudioContext, a number is explicit. */
export type WindowChoice = "full" | "fit" | number;

export interface RexWorkerTask {
  key: string;
  path: string;
  window: WindowChoice;
}

export interface RexWorkerJob {
  modelPath: string;
  threads: number;
  useGpu: boolean;
  flashAttention: boolean;
  tasks: RexWorkerTask[];
}

export interface RexTaskResult {
  key: string;
  /** Encoder frames used, where 1500 is the full window. */
  audioContext: number;
  decodeFileMs: number;
  /** The awaited transcribe() call, as the caller sees it. */
  transcribeMs: number;
  timings: Transcript["timings"];
  text: string;
}

export interface RexWorkerResult {
  loadMs: number;
  tasks: RexTaskResult[];
  /** process.resourceUsage().maxRSS at the end, in MB. */
  maxRssMB: number;
}

const FULL_AUDIO_CONTEXT = 1500;

/** Returns the transcribe() options for `window` and the encoder frames they select. */
function windowOptions(window: WindowChoice, samples: number): { options: TranscribeOptions; audioContext: number } {
  if (window === "fit") return { options: { fitAudioContext: true }, audioContext: fittedAudioContext(samples) };
  if (window === "full") return { options: {}, audioContext: FULL_AUDIO_CONTEXT };
  return { options: { audioContext: window }, audioContext: window };
}

async function runJob(job: RexWorkerJob): Promise<RexWorkerResult> {
  configureLogger({ level: "warn", pretty: false });
  const loadStarted = performance.now();
  const { threads, useGpu, flashAttention } = job;
  const transcriber = await Transcriber.load(job.modelPath, { threads, useGpu, flashAttention });
  const loadMs = performance.now() - loadStarted;

  const tasks: RexTaskResult[] = [];
  for (const task of job.tasks) {
    const decodeStarted = performance.now();
    const audio = await decodeAudioFile(task.path);
    const decodeFileMs = performance.now() - decodeStarted;
    const { options, audioContext } = windowOptions(task.window, audio.pcm.length);
    const started = performance.now();
    const transcript = await transcriber.transcribe(audio.pcm, { language: "en", ...options });
    const transcribeMs = performance.now() - started;
    tasks.push({ key: task.key, audioContext, decodeFileMs, transcribeMs, timings: transcript.timings, text: transcript.text });
  }
  transcriber.free();
  return { loadMs, tasks, maxRssMB: process.resourceUsage().maxRSS / 1024 };
}

const job = JSON.parse(process.argv[2] ?? "null") as RexWorkerJob | null;
if (!job || typeof job.modelPath !== "string" || !Array.isArray(job.tasks)) {
  process.stderr.write("rex-worker: expected a job as JSON in the first argument\n");
  process.exitCode = 2;
} else {
  const result = await runJob(job);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
