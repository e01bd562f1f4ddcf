/**
 * Raw measurements of each run and their reduction to the medians of the report. Ratios are
 * taken within each run first, then the median ratio is reported, so a change in machine load
 * between runs affects both sides of a ratio alike.
 */
import type { BenchInput } from "./inputs.js";
import { median, medianOrNull, ratio } from "./stats.js";
import type {
  AudioContextRow,
  AudioContextVariant,
  EngineName,
  FileResult,
  FileRow,
  StreamResult,
  StreamRow,
  StreamVariant,
} from "./types.js";
import { normalizeWords, wordErrorRate } from "./wer.js";

/** One engine on one file in one run. */
export interface FileSample {
  wallMs: number;
  processMs: number;
  loadMs: number | null;
  melMs: number | null;
  encodeMs: number | null;
  decodeMs: number | null;
  transcribeMs: number | null;
  maxRssMB: number | null;
  text: string;
}

/** One engine on the whole stream in one run. */
export interface StreamSample {
  totalMs: number;
  loadMs: number | null;
  transcribeMs: number | null;
  perUtteranceMs: number | null;
  maxRssMB: number | null;
  wordErrorRate: number;
}

/** rex on one input with one encoder window in one run. */
export interface AudioContextSample {
  audioContext: number;
  transcribeMs: number;
  encodeMs: number;
  decodeMs: number;
  text: string;
}

const ENGINE_ORDER: EngineName[] = ["rex", "whisper-cli", "nodejs-whisper"];

/** Samples of one configuration, indexed by run. */
export class SampleStore {
  readonly files = new Map<string, Map<EngineName, Array<FileSample | undefined>>>();
  readonly streams = new Map<StreamVariant, Array<StreamSample | undefined>>();
  readonly audioContexts = new Map<string, AudioContextSample[]>();

  addFile(input: string, engine: EngineName, run: number, sample: FileSample): void {
    const byEngine = this.files.get(input) ?? new Map<EngineName, Array<FileSample | undefined>>();
    this.files.set(input, byEngine);
    const samples = byEngine.get(engine) ?? [];
    samples[run] = sample;
    byEngine.set(engine, samples);
  }

  addStream(variant: StreamVariant, run: number, sample: StreamSample): void {
    const samples = this.streams.get(variant) ?? [];
    samples[run] = sample;
    this.streams.set(variant, samples);
  }

  addAudioContext(input: string, variant: AudioContextVariant, sample: AudioContextSample): void {
    const key = `${input}/${variant}`;
    this.audioContexts.set(key, [...(this.audioContexts.get(key) ?? []), sample]);
  }
}

/** Ratios between two engines' samples of the same run, one per run. */
function pairedRatios<T>(
  numerators: Array<T | undefined> | undefined,
  denominators: Array<T | undefined> | undefined,
  value: (sample: T) => number | null,
): Array<number | null> {
  if (!numerators || !denominators) return [];
  return numerators.map((sample, run) => {
    const other = denominators[run];
    return sample && other ? ratio(value(sample), value(other)) : null;
  });
}

/** Median over the runs of {@link pairedRatios}. */
function pairedRatio<T>(
  numerators: Array<T | undefined> | undefined,
  denominators: Array<T | undefined> | undefined,
  value: (sample: T) => number | null,
): number | null {
  return medianOrNull(pairedRatios(numerators, denominators, value));
}

function present<T>(samples: Array<T | undefined>): T[] {
  return samples.filter((sample): sample is T => sample !== undefined);
}

function fileRow(engine: EngineName, samples: FileSample[], input: BenchInput): FileRow {
  const pick = (field: keyof Omit<FileSample, "text">) => medianOrNull(samples.map((sample) => sample[field]));
  const transcribeMs = pick("transcribeMs");
  return {
    engine,
    wallMs: median(samples.map((sample) => sample.wallMs)),
    processMs: median(samples.map((sample) => sample.processMs)),
    loadMs: pick("loadMs"),
    melMs: pick("melMs"),
    encodeMs: pick("encodeMs"),
    decodeMs: pick("decodeMs"),
    transcribeMs,
    realTimeFactor: transcribeMs === null ? null : transcribeMs / (input.seconds * 1000),
    maxRssMB: pick("maxRssMB"),
    wordErrorRate: median(samples.map((sample) => wordErrorRate(input.reference, sample.text))),
    text: samples[samples.length - 1].text,
  };
}

/** Reduces the single-file samples of `input` to report rows and ratios. */
export function summarizeFile(store: SampleStore, input: BenchInput): FileResult {
  const byEngine = store.files.get(input.id) ?? new Map<EngineName, Array<FileSample | undefined>>();
  const rows = ENGINE_ORDER.flatMap((engine) => {
    const samples = present(byEngine.get(engine) ?? []);
    return samples.length === 0 ? [] : [fileRow(engine, samples, input)];
  });
  const rex = byEngine.get("rex");
  const cli = byEngine.get("whisper-cli");
  const nodejs = byEngine.get("nodejs-whisper");
  return {
    input: input.id,
    seconds: input.seconds,
    rows,
    transcribeVsWhisperCliByRun: pairedRatios(rex, cli, (sample) => sample.transcribeMs),
    ratios: {
      transcribeVsWhisperCli: pairedRatio(rex, cli, (sample) => sample.transcribeMs),
      encodeVsWhisperCli: pairedRatio(rex, cli, (sample) => sample.encodeMs),
      wallVsWhisperCli: pairedRatio(rex, cli, (sample) => sample.wallMs),
      wallVsNodejsWhisper: pairedRatio(rex, nodejs, (sample) => sample.wallMs),
    },
  };
}

const STREAM_ROWS: Array<{ variant: StreamVariant; engine: EngineName; window: "full" | "fit" }> = [
  { variant: "rex-full", engine: "rex", window: "full" },
  { variant: "rex-fit", engine: "rex", window: "fit" },
  { variant: "whisper-cli-full", engine: "whisper-cli", window: "full" },
  { variant: "whisper-cli-fit", engine: "whisper-cli", window: "fit" },
  { variant: "whisper-cli-batch", engine: "whisper-cli", window: "full" },
  { variant: "nodejs-whisper", engine: "nodejs-whisper", window: "full" },
];

/** Word errors over all utterances divided by all reference words. */
export function streamWordErrorRate(stream: BenchInput[], texts: string[]): number {
  let errors = 0;
  let words = 0;
  stream.forEach((input, i) => {
    const referenceWords = normalizeWords(input.reference).length;
    errors += wordErrorRate(input.reference, texts[i] ?? "") * referenceWords;
    words += referenceWords;
  });
  return errors / Math.max(1, words);
}

/** Reduces the stream samples to report rows and ratios. */
export function summarizeStream(store: SampleStore, stream: BenchInput[]): StreamResult {
  const rows: StreamRow[] = [];
  for (const { variant, engine, window } of STREAM_ROWS) {
    const samples = present(store.streams.get(variant) ?? []);
    if (samples.length === 0) continue;
    rows.push({
      variant,
      engine,
      window,
      totalMs: median(samples.map((sample) => sample.totalMs)),
      loadMs: medianOrNull(samples.map((sample) => sample.loadMs)),
      transcribeMs: medianOrNull(samples.map((sample) => sample.transcribeMs)),
      perUtteranceMs: medianOrNull(samples.map((sample) => sample.perUtteranceMs)),
      maxRssMB: medianOrNull(samples.map((sample) => sample.maxRssMB)),
      wordErrorRate: median(samples.map((sample) => sample.wordErrorRate)),
    });
  }
  const total = (sample: StreamSample) => sample.totalMs;
  const get = (variant: StreamVariant) => store.streams.get(variant);
  return {
    utterances: stream.length,
    audioSeconds: stream.reduce((sum, input) => sum + input.seconds, 0),
    rows,
    ratios: {
      rexFullVsWhisperCliFull: pairedRatio(get("rex-full"), get("whisper-cli-full"), total),
      rexFitVsWhisperCliFit: pairedRatio(get("rex-fit"), get("whisper-cli-fit"), total),
      rexFullVsNodejsWhisper: pairedRatio(get("rex-full"), get("nodejs-whisper"), total),
      rexFitVsNodejsWhisper: pairedRatio(get("rex-fit"), get("nodejs-whisper"), total),
    },
  };
}

/** Reduces the audio-context samples to one row per input and window. */
export function summarizeAudioContexts(
  store: SampleStore,
  inputs: BenchInput[],
  variants: readonly AudioContextVariant[],
): AudioContextRow[] {
  const rows: AudioContextRow[] = [];
  for (const input of inputs) {
    for (const variant of variants) {
      const samples = store.audioContexts.get(`${input.id}/${variant}`) ?? [];
      if (samples.length === 0) continue;
      rows.push({
        input: input.id,
        seconds: input.seconds,
        variant,
        audioContext: samples[0].audioContext,
        transcribeMs: median(samples.map((sample) => sample.transcribeMs)),
        encodeMs: median(samples.map((sample) => sample.encodeMs)),
        decodeMs: median(samples.map((sample) => sample.decodeMs)),
        wordErrorRate: median(samples.map((sample) => wordErrorRate(input.reference, sample.text))),
        text: samples[samples.length - 1].text,
      });
    }
  }
  return rows;
}
