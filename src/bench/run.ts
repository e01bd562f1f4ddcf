/**
 * `rex bench`: transcription latency, throughput and memory of rex, side by side in the same
 * run with whisper.cpp's own whisper-cli and whisper-bench and with the nodejs-whisper package.
 * Each engine runs in a process of its own, and the engines take turns within every run.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";

import { engineInfo } from "../index.js";
import { fittedAudioContext } from "../speech/transcriber.js";
import { configLabel } from "./format.js";
import { evaluateGoals } from "./goals.js";
import { prepareInputs, type BenchInput } from "./inputs.js";
import { describeMachine, espeakVersion } from "./machine.js";
import {
  SampleStore,
  streamWordErrorRate,
  summarizeAudioContexts,
  summarizeFile,
  summarizeStream,
  type FileSample,
} from "./samples.js";
import type { RexWorkerJob, RexWorkerTask } from "./rex-worker.js";
import { maxOrNull, median, medianOrNull, sumOrNull } from "./stats.js";
import type { AudioContextVariant, BenchReport, ConfigKey, ConfigResult, EncoderResult, EngineName } from "./types.js";
import { wordErrorRate } from "./wer.js";
import {
  findWhisperCpp,
  runWhisperBench,
  runWhisperCli,
  type WhisperBenchRun,
  type WhisperCliRun,
  type WhisperCppTools,
} from "./whisper-cpp.js";
import {
  checkNodejsWhisper,
  nodejsWhisperVersion,
  runNodejsWhisperWorker,
  runRexWorker,
  type NodejsWhisperSetup,
} from "./workers.js";

export interface BenchOptions {
  models: Array<{ name: string; path: string }>;
  threads: number[];
  backends: string[];
  /** Flash attention settings to measure, for rex and for whisper-cli and whisper-bench. */
  flashAttention: boolean[];
  runs: number;
  /** Single-file input ids, from FILE_INPUT_IDS. */
  inputs: string[];
  streamUtterances: number;
  peers: boolean;
  repoRoot: string;
  /** The command line, recorded in the report. */
  command: string;
  rexVersion: string;
  /** Receives one line per step, for a progress display. */
  progress: (message: string) => void;
}

export const AUDIO_CONTEXT_VARIANTS: readonly AudioContextVariant[] = ["full", "fit", "tight"];
/** Encoder frames (20 ms each) added to the utterance's length for the "tight" window. */
export const TIGHT_AUDIO_CONTEXT_MARGIN = 32;
const FULL_AUDIO_CONTEXT = 1500;
const SAMPLES_PER_ENCODER_FRAME = 320;

/** Returns the "tight" encoder window for `samples` of 16 kHz audio. */
function tightAudioContext(samples: number): number {
  return Math.min(FULL_AUDIO_CONTEXT, Math.ceil(samples / SAMPLES_PER_ENCODER_FRAME) + TIGHT_AUDIO_CONTEXT_MARGIN);
}

/** `items` rotated left by `run`, so each run starts with a different engine. */
function rotate<T>(items: readonly T[], run: number): T[] {
  const shift = run % Math.max(1, items.length);
  return [...items.slice(shift), ...items.slice(0, shift)];
}

/** One configuration and what it runs against. */
interface ConfigContext {
  options: BenchOptions;
  key: ConfigKey;
  modelPath: string;
  files: BenchInput[];
  stream: BenchInput[];
  tools: WhisperCppTools | null;
  nodejs: NodejsWhisperSetup | null;
  store: SampleStore;
  label: string;
  /** Largest peak resident memory of the rex sessions so far. */
  rexMaxRssMB: number | null;
}

/** Builds the rex worker job that runs `tasks` in this configuration. */
function rexJob(context: ConfigContext, tasks: RexWorkerTask[]): RexWorkerJob {
  const { threads, backend, flashAttention } = context.key;
  return { modelPath: context.modelPath, threads, useGpu: backend !== "cpu", flashAttention, tasks };
}

async function measureFile(context: ConfigContext, engine: EngineName, input: BenchInput): Promise<FileSample> {
  const { modelPath, key } = context;
  if (engine === "rex") {
    const run = await runRexWorker(rexJob(context, [{ key: input.id, path: input.path, window: "full" }]));
    const { loadMs, tasks, maxRssMB } = run.result;
    const [result] = tasks;
    const { melMs, encodeMs, decodeMs } = result.timings;
    return {
      wallMs: loadMs + result.decodeFileMs + result.transcribeMs,
      processMs: run.processMs,
      loadMs,
      melMs,
      encodeMs,
      decodeMs,
      transcribeMs: result.transcribeMs,
      maxRssMB,
      text: result.text,
    };
  }
  if (engine === "whisper-cli") {
    const run = await runWhisperCli(context.tools!, modelPath, key.threads, key.flashAttention, [input.path]);
    return { ...run, processMs: run.wallMs };
  }
  const { modelName, modelRootPath } = context.nodejs!;
  const run = await runNodejsWhisperWorker({ modelName, modelRootPath, files: [input.path] });
  const [call] = run.result.calls;
  return { ...call, processMs: run.processMs, maxRssMB: run.maxRssMB };
}

/**
 * Runs one rex process that keeps the model loaded. It transcribes both streams first, so the
 * first utterance pays for anything the first transcription after loading costs, then every
 * input in every window. Returns rex's median full-window encoder time in this run.
 */
async function runRexSession(context: ConfigContext, run: number): Promise<number | null> {
  const { files, stream, store } = context;
  const tasks: RexWorkerTask[] = [];
  for (const window of rotate(["full", "fit"] as const, run)) {
    for (const input of stream) tasks.push({ key: `stream-${window}/${input.id}`, path: input.path, window });
  }
  for (const input of files) {
    for (const variant of rotate(AUDIO_CONTEXT_VARIANTS, run)) {
      const window = variant === "tight" ? tightAudioContext(input.samples) : variant;
      tasks.push({ key: `window-${variant}/${input.id}`, path: input.path, window });
    }
  }
  context.options.progress(`${context.label}: run ${run + 1}, rex with the model loaded (${tasks.length} transcriptions)`);
  const { result } = await runRexWorker(rexJob(context, tasks));

  for (const window of ["full", "fit"] as const) {
    const items = result.tasks.filter((task) => task.key.startsWith(`stream-${window}/`));
    const perUtterance = items.map((task) => task.decodeFileMs + task.transcribeMs);
    store.addStream(`rex-${window}`, run, {
      totalMs: result.loadMs + perUtterance.reduce((sum, ms) => sum + ms, 0),
      loadMs: result.loadMs,
      transcribeMs: items.reduce((sum, task) => sum + task.transcribeMs, 0),
      perUtteranceMs: median(perUtterance),
      maxRssMB: result.maxRssMB,
      wordErrorRate: streamWordErrorRate(stream, items.map((task) => task.text)),
    });
  }
  const fullEncodes: number[] = [];
  for (const task of result.tasks) {
    const match = /^window-(full|fit|tight)\/(.+)$/.exec(task.key);
    if (!match) continue;
    const variant = match[1] as AudioContextVariant;
    const { audioContext, transcribeMs, text } = task;
    const { encodeMs, decodeMs } = task.timings;
    store.addAudioContext(match[2], variant, { audioContext, transcribeMs, encodeMs, decodeMs, text });
    if (variant === "full") fullEncodes.push(encodeMs);
  }
  context.rexMaxRssMB = Math.max(context.rexMaxRssMB ?? 0, result.maxRssMB);
  return medianOrNull(fullEncodes);
}

/** Runs the peers on the stream: whisper-cli once per utterance and once for all, and nodejs-whisper. */
async function runPeerStreams(context: ConfigContext, run: number): Promise<void> {
  const { modelPath, key, stream, store, tools, nodejs, label, options } = context;
  if (tools) {
    for (const window of rotate(["full", "fit"] as const, run)) {
      options.progress(`${label}: run ${run + 1}, whisper-cli once per utterance, ${window} window`);
      const runs: WhisperCliRun[] = [];
      for (const input of stream) {
        const audioContext = window === "fit" ? fittedAudioContext(input.samples) : undefined;
        runs.push(await runWhisperCli(tools, modelPath, key.threads, key.flashAttention, [input.path], audioContext));
      }
      store.addStream(`whisper-cli-${window}`, run, {
        totalMs: runs.reduce((sum, cli) => sum + cli.wallMs, 0),
        loadMs: sumOrNull(runs.map((cli) => cli.loadMs)),
        transcribeMs: sumOrNull(runs.map((cli) => cli.transcribeMs)),
        perUtteranceMs: median(runs.map((cli) => cli.wallMs)),
        maxRssMB: maxOrNull(runs.map((cli) => cli.maxRssMB)),
        wordErrorRate: streamWordErrorRate(stream, runs.map((cli) => cli.text)),
      });
    }
    options.progress(`${label}: run ${run + 1}, whisper-cli with all utterances in one process`);
    const files = stream.map((input) => input.path);
    const batch = await runWhisperCli(tools, modelPath, key.threads, key.flashAttention, files);
    store.addStream("whisper-cli-batch", run, {
      totalMs: batch.wallMs,
      loadMs: batch.loadMs,
      transcribeMs: batch.transcribeMs,
      perUtteranceMs: null,
      maxRssMB: batch.maxRssMB,
      wordErrorRate: wordErrorRate(stream.map((input) => input.reference).join(" "), batch.text),
    });
  }
  if (nodejs) {
    options.progress(`${label}: run ${run + 1}, nodejs-whisper once per utterance`);
    const { modelName, modelRootPath } = nodejs;
    const files = stream.map((input) => input.path);
    const { result, maxRssMB } = await runNodejsWhisperWorker({ modelName, modelRootPath, files });
    store.addStream("nodejs-whisper", run, {
      totalMs: result.calls.reduce((sum, call) => sum + call.wallMs, 0),
      loadMs: sumOrNull(result.calls.map((call) => call.loadMs)),
      transcribeMs: sumOrNull(result.calls.map((call) => call.transcribeMs)),
      perUtteranceMs: median(result.calls.map((call) => call.wallMs)),
      maxRssMB,
      wordErrorRate: streamWordErrorRate(stream, result.calls.map((call) => call.text)),
    });
  }
}

/** Finds the peers for one configuration and records why any of them cannot run. */
function findPeers(
  options: BenchOptions,
  modelPath: string,
  backend: string,
  whisperCpp: WhisperCppTools | { missing: string },
): { tools: WhisperCppTools | null; nodejs: NodejsWhisperSetup | null; skipped: string[] } {
  if (!options.peers) return { tools: null, nodejs: null, skipped: ["peers not run (--skip-peers)"] };
  if (backend !== "cpu") {
    return { tools: null, nodejs: null, skipped: [`peers run on the CPU only: the whisper-cli build has no ${backend} backend`] };
  }
  if ("missing" in whisperCpp) return { tools: null, nodejs: null, skipped: [whisperCpp.missing] };
  const nodejs = checkNodejsWhisper(modelPath, whisperCpp);
  if ("missing" in nodejs) return { tools: whisperCpp, nodejs: null, skipped: [nodejs.missing] };
  return { tools: whisperCpp, nodejs, skipped: [] };
}

/** whisper-bench's figures next to rex's full-window encoder time from the same run. */
function summarizeEncoder(bench: WhisperBenchRun, rexEncodeMs: number | null): EncoderResult {
  return {
    whisperBenchEncodeMs: bench.encodeMs,
    whisperBenchDecodeMsPerToken: bench.decodeMsPerToken,
    whisperBenchBatchdMsPerRun: bench.batchdMsPerRun,
    whisperBenchPromptMsPerRun: bench.promptMsPerRun,
    rexEncodeMs,
    rexVsWhisperBench: rexEncodeMs === null ? null : rexEncodeMs / bench.encodeMs,
  };
}

async function benchConfig(
  options: BenchOptions,
  key: ConfigKey,
  modelPath: string,
  inputs: { files: BenchInput[]; stream: BenchInput[] },
  whisperCpp: WhisperCppTools | { missing: string },
): Promise<ConfigResult> {
  const { tools, nodejs, skipped } = findPeers(options, modelPath, key.backend, whisperCpp);
  const label = configLabel(key);
  for (const reason of skipped) options.progress(`${label}: ${reason}`);
  const store = new SampleStore();
  const context: ConfigContext = { options, key, modelPath, ...inputs, tools, nodejs, store, label, rexMaxRssMB: null };
  const engines: EngineName[] = ["rex"];
  if (tools) engines.push("whisper-cli");
  if (nodejs) engines.push("nodejs-whisper");
  const rexEncodes: Array<number | null> = [];
  let benchRun: WhisperBenchRun | null = null;

  for (let run = 0; run < options.runs; run++) {
    for (const input of inputs.files) {
      for (const engine of rotate(engines, run)) {
        options.progress(`${label}: run ${run + 1}/${options.runs}, ${input.id}, ${engine}`);
        const sample = await measureFile(context, engine, input);
        store.addFile(input.id, engine, run, sample);
        if (engine === "rex") context.rexMaxRssMB = Math.max(context.rexMaxRssMB ?? 0, sample.maxRssMB ?? 0);
      }
    }
    const rexFirst = run % 2 === 0;
    if (rexFirst) rexEncodes[run] = await runRexSession(context, run);
    await runPeerStreams(context, run);
    if (!rexFirst) rexEncodes[run] = await runRexSession(context, run);
    // whisper-bench repeats its own passes and takes minutes on a busy machine, so it runs once.
    if (tools && run === 0) {
      options.progress(`${label}: whisper-bench`);
      benchRun = await runWhisperBench(tools, modelPath, key.threads, key.flashAttention);
    }
  }

  return {
    ...key,
    modelPath,
    files: inputs.files.map((input) => summarizeFile(store, input)),
    encoder: benchRun ? summarizeEncoder(benchRun, rexEncodes[0] ?? null) : null,
    stream: inputs.stream.length > 0 ? summarizeStream(store, inputs.stream) : null,
    audioContext: summarizeAudioContexts(store, inputs.files, AUDIO_CONTEXT_VARIANTS),
    rexMaxRssMB: context.rexMaxRssMB,
    skipped,
  };
}

/** Runs the whole benchmark and returns its report. */
export async function runBenchmark(options: BenchOptions): Promise<BenchReport> {
  const started = performance.now();
  const loadBefore = loadavg()[0];
  const info = engineInfo();
  const whisperCpp = options.peers ? findWhisperCpp(info.whisper) : { missing: "peers not run (--skip-peers)" };
  const dir = await mkdtemp(join(tmpdir(), "rex-bench-"));
  try {
    options.progress(`writing test audio to ${dir}`);
    const inputs = await prepareInputs(dir, options.repoRoot, options.inputs, options.streamUtterances);
    const configs: ConfigResult[] = [];
    for (const model of options.models) {
      for (const threads of options.threads) {
        for (const backend of options.backends) {
          for (const flashAttention of options.flashAttention) {
            const key = { model: model.name, threads, backend, flashAttention };
            configs.push(await benchConfig(options, key, model.path, inputs, whisperCpp));
          }
        }
      }
    }
    return {
      schema: "rex-bench/1",
      date: new Date().toISOString(),
      command: options.command,
      durationSeconds: (performance.now() - started) / 1000,
      machine: { ...describeMachine(), loadAverage: { before: loadBefore, after: loadavg()[0] } },
      software: {
        rex: options.rexVersion,
        whisper: info.whisper,
        whisperSystemInfo: info.system.trim(),
        whisperCpp: "missing" in whisperCpp ? null : whisperCpp.version,
        nodejsWhisper: options.peers ? nodejsWhisperVersion() : null,
        espeakNg: espeakVersion(),
      },
      settings: {
        models: options.models.map((model) => model.name),
        threads: options.threads,
        backends: options.backends,
        flashAttention: options.flashAttention,
        runs: options.runs,
        inputs: options.inputs,
        streamUtterances: options.streamUtterances,
        peers: options.peers,
        tightAudioContextMargin: TIGHT_AUDIO_CONTEXT_MARGIN,
      },
      inputs: [...inputs.files, ...inputs.stream].map(({ id, seconds, reference }) => ({ id, seconds, reference })),
      configs,
      goals: evaluateGoals(configs),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
