/** Entry point of `rex bench wakeword`: resolves the models, runs the benchmark, writes the report. */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

import { DEFAULT_VAD_MODEL } from "../models/catalog.js";
import { modelsDir, resolveModelFile } from "../models/store.js";
import { defaultCacheDir } from "./dataset.js";
import { PHRASE_DEFAULTS, type PhraseScoring } from "./phrase-spotter.js";
import { runWakeWordBenchmark, type PhraseConfig, type WakeBenchEngine, type WakeBenchmarkReport } from "./evaluate.js";

/** Engine names that `rex bench wakeword --engines` accepts. */
export const WAKE_BENCH_ENGINES: readonly WakeBenchEngine[] = ["openwakeword", "verifier", "phrase"];
import { formatWakeWordReport } from "./report.js";

export interface WakeWordBenchOptions {
  /** openWakeWord model; default hey_jarvis. */
  model?: string;
  /** Phrase for the phrase engine; default "hey rex". */
  phrase?: string;
  /**
   * Whisper models (catalog names or ggml paths) for the phrase engine; default tiny.en and base.
   * The first runs on the whole set, and on the comparison subset with and without the phrase
   * as prompt. The others run on the subset without a prompt.
   */
  whisperModels?: string[];
  /** Engines to measure; default all three. */
  engines?: WakeBenchEngine[];
  full?: boolean;
  threads?: number;
  cacheDir?: string;
  /** Markdown report to write; nothing is written when unset. */
  output?: string;
  /** The command line shown in the report. */
  command?: string;
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

/**
 * Phrase-engine set-ups: every model with the default scoring, and the first model also with the
 * other scoring and with the phrase as prompt.
 */
function phraseConfigs(models: string[], dir: string): PhraseConfig[] {
  const scoring = PHRASE_DEFAULTS.scoring;
  const other: PhraseScoring = scoring === "guided" ? "transcript" : "guided";
  const configs: PhraseConfig[] = models.map((model) => ({
    label: `${model}, ${scoring}`,
    whisperModelPath: resolveModelFile(model, dir),
    promptWithPhrase: false,
    scoring,
  }));
  const first = configs[0];
  if (first) {
    const model = models[0]!;
    configs.splice(1, 0, { ...first, label: `${model}, ${other}`, scoring: other }, { ...first, label: `${model}, ${scoring} + prompt`, promptWithPhrase: true });
  }
  return configs;
}

/**
 * Runs the wake-word benchmark and, when `output` is set, writes the Markdown report there. The
 * full report is also saved as JSON in the cache folder, named after its date.
 */
export async function benchWakeWord(options: WakeWordBenchOptions = {}): Promise<{ report: WakeBenchmarkReport; markdown: string }> {
  const started = performance.now();
  const dir = modelsDir(options.env ?? process.env);
  const engines = options.engines ?? [...WAKE_BENCH_ENGINES];
  const unknown = engines.find((engine) => !WAKE_BENCH_ENGINES.includes(engine));
  if (unknown !== undefined) {
    throw new RangeError(`unknown wake-word engine '${unknown}'; use ${WAKE_BENCH_ENGINES.join(", ")}, comma-separated`);
  }
  const usesPhrase = engines.includes("phrase");
  const report = await runWakeWordBenchmark({
    model: options.model,
    phrase: options.phrase,
    engines,
    full: options.full,
    threads: options.threads,
    cacheDir: options.cacheDir,
    log: options.log,
    vadModelPath: usesPhrase ? resolveModelFile(DEFAULT_VAD_MODEL, dir) : undefined,
    phraseConfigs: usesPhrase ? phraseConfigs(options.whisperModels ?? ["tiny.en", "base"], dir) : [],
  });
  const markdown = formatWakeWordReport(report, {
    command: options.command ?? "rex bench wakeword",
    wallSeconds: (performance.now() - started) / 1000,
  });
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  await mkdir(cacheDir, { recursive: true });
  await writeFile(join(cacheDir, `report-${report.date.replace(/[:.]/g, "-")}.json`), JSON.stringify(report, null, 2));
  if (options.output) {
    await mkdir(dirname(options.output), { recursive: true });
    await writeFile(options.output, markdown);
  }
  return { report, markdown };
}
