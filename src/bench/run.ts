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
  type StreamSample,
} from "./samples.js";
import { maxOrNull, median, medianOrNull, sumOrNull } from "./stats.js";
import type { AudioContextVariant, BenchReport, ConfigKey, ConfigResult, EncoderResult, EngineName, StreamVariant } from "./types.js";
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
  startNodejsWhisperWorker,
  startRexWorker,
  type NodejsWhisperPeer,
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

/** `items` rotated left by `count`, so each run or utterance starts with a different engine. */
function rotate<T>(items: readonly T[], count: number): T[] {
  const shift = count % Math.max(1, items.length);
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
  nodejs: NodejsWhisperPeer | null;
  store: SampleStore;
  label: string;
  /** Largest peak resident memory of the rex workers so far. */
  rexMaxRssMB: number | null;
  /** Resident memory of each rex worker before it loaded the model. */
  rexRssBeforeLoad: number[];
}

/** Starts a rex worker for this configuration and waits for the model to load. */
async function startRex(context: ConfigContext): ReturnType<typeof startRexWorker> {
  const { threads, backend, flashAttention } = context.key;
  const started = await startRexWorker({ modelPath: context.modelPath, threads, useGpu: backend !== "cpu", flashAttention });
  context.rexRssBeforeLoad.push(started.ready.rssBeforeLoadMB);
  return started;
}

function startNodejsWhisper(context: ConfigContext): ReturnType<typeof startNodejsWhisperWorker> {
  const { modelName, modelRootPath } = context.nodejs!;
  return startNodejsWhisperWorker({ modelName, modelRootPath });
}

function noteRexMemory(context: ConfigContext, maxRssMB: number): void {
  context.rexMaxRssMB = Math.max(context.rexMaxRssMB ?? 0, maxRssMB);
}

/** Transcribes `input` with `engine` in a new process, so the model is loaded first. */
async function measureFile(context: ConfigContext, engine: EngineName, input: BenchInput): Promise<FileSample> {
  const { modelPath, key } = context;
  if (engine === "rex") {
    const { worker, ready } = await startRex(context);
    const result = await worker.request({ path: input.path, window: "full" });
    const exit = await worker.close();
    noteRexMemory(context, exit.maxRssMB);
    const { melMs, encodeMs, decodeMs } = result.timings;
    return {
      wallMs: ready.loadMs + result.decodeFileMs + result.transcribeMs,
      processMs: exit.processMs,
      loadMs: ready.loadMs,
      melMs,
      encodeMs,
      decodeMs,
      transcribeMs: result.transcribeMs,
      maxRssMB: exit.maxRssMB,
      text: result.text,
    };
  }
  if (engine === "whisper-cli") {
    const run = await runWhisperCli(context.tools!, modelPath, [input.path], key);
    return { ...run, processMs: run.wallMs };
  }
  const { worker } = await startNodejsWhisper(context);
  const call = await worker.request({ path: input.path });
  const exit = await worker.close();
  return { ...call, processMs: exit.processMs, maxRssMB: exit.treeMaxRssMB };
}

/** One engine's handling of one stream utterance: total time and the parts the engine reports. */
interface StreamItem {
  wallMs: number;
  loadMs: number | null;
  transcribeMs: number | null;
  /** Peak memory of a process started for this utterance alone. */
  maxRssMB: number | null;
  text: string;
}

type LiveStreamVariant = Exclude<StreamVariant, "whisper-cli-batch">;

/**
 * Sums one engine's stream items. `startupLoadMs` is a model load before the first utterance,
 * and `workerMaxRssMB` the peak memory of a process that served the whole stream.
 */
function streamSample(items: StreamItem[], stream: BenchInput[], startupLoadMs: number, workerMaxRssMB: number | null): StreamSample {
  return {
    totalMs: startupLoadMs + items.reduce((sum, item) => sum + item.wallMs, 0),
    loadMs: sumOrNull([startupLoadMs, ...items.map((item) => item.loadMs)]),
    transcribeMs: sumOrNull(items.map((item) => item.transcribeMs)),
    perUtteranceMs: median(items.map((item) => item.wallMs)),
    maxRssMB: workerMaxRssMB ?? maxOrNull(items.map((item) => item.maxRssMB)),
    wordErrorRate: streamWordErrorRate(stream, items.map((item) => item.text)),
  };
}

/**
 * Runs the stream with every engine, utterance by utterance: for each utterance the engines take
 * turns (in an order that rotates), so load from other work hits them alike. rex and
 * nodejs-whisper each keep one process for the whole stream, as an application would. rex then
 * transcribes every input in every encoder window, and whisper-cli finally transcribes the whole
 * stream in one process. Returns rex's median full-window encoder time.
 */
async function runStreamsAndWindows(context: ConfigContext, run: number): Promise<number | null> {
  const { modelPath, key, files, stream, store, tools, nodejs, label, options } = context;
  const rex = await startRex(context);
  const nodejsWhisper = nodejs ? await startNodejsWhisper(context) : null;
  const items = new Map<LiveStreamVariant, StreamItem[]>();
  const record = (variant: LiveStreamVariant, item: StreamItem) => items.set(variant, [...(items.get(variant) ?? []), item]);
  const rexItem = async (input: BenchInput, window: "full" | "fit"): Promise<StreamItem> => {
    const result = await rex.worker.request({ path: input.path, window });
    const { decodeFileMs, transcribeMs, text } = result;
    return { wallMs: decodeFileMs + transcribeMs, loadMs: 0, transcribeMs, maxRssMB: null, text };
  };
  const cliItem = async (input: BenchInput, window: "full" | "fit"): Promise<StreamItem> => {
    // rex's fitAudioContext also turns off retries at higher temperatures, so -nf matches it.
    const fit = window === "fit" ? { audioContext: fittedAudioContext(input.samples, key.flashAttention), noFallback: true } : {};
    const cli = await runWhisperCli(tools!, modelPath, [input.path], { ...key, ...fit });
    const { wallMs, loadMs, transcribeMs, maxRssMB, text } = cli;
    return { wallMs, loadMs, transcribeMs, maxRssMB, text };
  };
  const steps: Array<[LiveStreamVariant, (input: BenchInput) => Promise<StreamItem>]> = [
    ["rex-full", (input) => rexItem(input, "full")],
    ["rex-fit", (input) => rexItem(input, "fit")],
  ];
  if (tools) {
    steps.push(["whisper-cli-full", (input) => cliItem(input, "full")]);
    steps.push(["whisper-cli-fit", (input) => cliItem(input, "fit")]);
  }
  const nodejsItem = async (input: BenchInput): Promise<StreamItem> => {
    const { wallMs, loadMs, transcribeMs, text } = await nodejsWhisper!.worker.request({ path: input.path });
    return { wallMs, loadMs, transcribeMs, maxRssMB: null, text };
  };
  if (nodejsWhisper) steps.push(["nodejs-whisper", nodejsItem]);

  const variants = steps.map(([variant]) => variant).join(", ");
  options.progress(`${label}: run ${run + 1}, stream of ${stream.length} utterances: ${variants}`);
  for (const [index, input] of stream.entries()) {
    for (const [variant, step] of rotate(steps, run + index)) record(variant, await step(input));
  }

  options.progress(`${label}: run ${run + 1}, rex on every input in every encoder window`);
  const fullEncodes: number[] = [];
  for (const input of files) {
    for (const variant of rotate(AUDIO_CONTEXT_VARIANTS, run)) {
      const window = variant === "tight" ? tightAudioContext(input.samples) : variant;
      const { audioContext, transcribeMs, text, timings } = await rex.worker.request({ path: input.path, window });
      const { encodeMs, decodeMs } = timings;
      store.addAudioContext(input.id, variant, { audioContext, transcribeMs, encodeMs, decodeMs, text });
      if (variant === "full") fullEncodes.push(timings.encodeMs);
    }
  }

  const rexExit = await rex.worker.close();
  noteRexMemory(context, rexExit.maxRssMB);
  const nodejsExit = nodejsWhisper ? await nodejsWhisper.worker.close() : null;
  for (const [variant, variantItems] of items) {
    if (variant === "rex-full" || variant === "rex-fit") {
      store.addStream(variant, run, streamSample(variantItems, stream, rex.ready.loadMs, rexExit.maxRssMB));
    } else if (variant === "nodejs-whisper") {
      store.addStream(variant, run, streamSample(variantItems, stream, 0, nodejsExit?.treeMaxRssMB ?? null));
    } else {
      store.addStream(variant, run, streamSample(variantItems, stream, 0, null));
    }
  }

  if (tools && stream.length > 0) {
    options.progress(`${label}: run ${run + 1}, whisper-cli with all utterances in one process`);
    const paths = stream.map((input) => input.path);
    const batch = await runWhisperCli(tools, modelPath, paths, key);
    store.addStream("whisper-cli-batch", run, {
      totalMs: batch.wallMs,
      loadMs: batch.loadMs,
      transcribeMs: batch.transcribeMs,
      perUtteranceMs: null,
      maxRssMB: batch.maxRssMB,
      wordErrorRate: wordErrorRate(stream.map((input) => input.reference).join(" "), batch.text),
    });
  }
  return medianOrNull(fullEncodes);
}

/** Finds the peers for one configuration and records why any of them cannot run. */
function findPeers(
  options: BenchOptions,
  modelPath: string,
  backend: string,
  whisperCpp: WhisperCppTools | { missing: string },
): { tools: WhisperCppTools | null; nodejs: NodejsWhisperPeer | null; skipped: string[] } {
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
  const context: ConfigContext = { options, key, modelPath, ...inputs, tools, nodejs, store, label, rexMaxRssMB: null, rexRssBeforeLoad: [] };
  const engines: EngineName[] = ["rex"];
  if (tools) engines.push("whisper-cli");
  if (nodejs) engines.push("nodejs-whisper");
  const rexEncodes: Array<number | null> = [];
  let benchRun: WhisperBenchRun | null = null;

  for (let run = 0; run < options.runs; run++) {
    for (const input of inputs.files) {
      for (const engine of rotate(engines, run)) {
        options.progress(`${label}: run ${run + 1}/${options.runs}, ${input.id}, ${engine}`);
        store.addFile(input.id, engine, run, await measureFile(context, engine, input));
      }
    }
    rexEncodes[run] = await runStreamsAndWindows(context, run);
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
    rexRssBeforeLoadMB: medianOrNull(context.rexRssBeforeLoad),
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
