import { mkdir, readFile, writeFile } from "node:fs/promises";
import { basename, dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { readFileSync } from "node:fs";

import { InvalidArgumentError, Option, type Command } from "commander";

import { analyze } from "../../bench/analysis.js";
import { renderChart } from "../../bench/chart.js";
import { FILE_INPUT_IDS } from "../../bench/inputs.js";
import { renderMarkdown, renderText } from "../../bench/report.js";
import { runBenchmark } from "../../bench/run.js";
import type { BenchReport } from "../../bench/types.js";
import { loadSettings } from "../../config/load.js";
import type { Settings } from "../../config/schema.js";
import { engineInfo } from "../../index.js";
import { resolveModelFile } from "../../models/store.js";
import { parsePositiveInt, runAction, setUpLogging } from "../run.js";

interface BenchFlags {
  models: string[];
  threads?: number[];
  backends: string[];
  flashAttn: boolean[];
  runs: number;
  inputs: string[];
  stream: number;
  skipPeers?: boolean;
  json?: boolean;
  out?: string;
  from?: string;
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
/** Maximum stream length. A stream longer than the 20 sentences of STREAM_SENTENCES repeats them. */
const MAX_STREAM_UTTERANCES = 100;

function parseList(value: string): string[] {
  return value
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
}

function parseThreadList(value: string): number[] {
  const parse = parsePositiveInt("--threads");
  return parseList(value).map(parse);
}

function parseOnOffList(value: string): boolean[] {
  return parseList(value).map((item) => {
    if (item !== "on" && item !== "off") throw new InvalidArgumentError(`--flash-attn takes on, off or both (off,on), got '${item}'`);
    return item === "on";
  });
}

function parseInputs(value: string): string[] {
  const inputs = parseList(value);
  const unknown = inputs.filter((input) => !(FILE_INPUT_IDS as readonly string[]).includes(input));
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown input '${unknown[0]}': use ${FILE_INPUT_IDS.join(", ")}`);
  return inputs;
}

function parseStreamLength(value: string): number {
  const count = Number(value);
  if (!/^\d+$/.test(value.trim()) || count > MAX_STREAM_UTTERANCES) {
    throw new InvalidArgumentError(`--stream must be an integer from 0 to ${MAX_STREAM_UTTERANCES}, got '${value}'`);
  }
  return count;
}

export function registerBench(program: Command): void {
  const inputIds = FILE_INPUT_IDS.join(",");
  program
    .command("bench")
    .description("measure transcription latency, throughput and memory, side by side with whisper.cpp and nodejs-whisper")
    .addOption(
      new Option("--models <names>", "comma-separated Whisper model names or ggml file paths")
        .argParser(parseList)
        .default(["tiny.en", "base"], "tiny.en,base"),
    )
    .option("-t, --threads <list>", "comma-separated CPU thread counts (default: the threads setting)", parseThreadList)
    .addOption(
      new Option("--backends <list>", "comma-separated compute backends: cpu, or cuda or metal when built in")
        .argParser(parseList)
        .default(["cpu"], "cpu"),
    )
    .addOption(
      new Option("--flash-attn <list>", "flash attention in rex and whisper.cpp: off, on, or off,on for both")
        .argParser(parseOnOffList)
        .default([false], "off"),
    )
    .option("--runs <n>", "repetitions of every measurement; the report gives medians", parsePositiveInt("--runs"), 3)
    .addOption(
      new Option("--inputs <ids>", `comma-separated single-file inputs from ${inputIds}`)
        .argParser(parseInputs)
        .default([...FILE_INPUT_IDS], "all"),
    )
    .option("--stream <n>", "short utterances in the stream, 0 to skip it", parseStreamLength, 20)
    .option("--skip-peers", "measure rex only, without whisper-cli, whisper-bench and nodejs-whisper")
    .option("--json", "print the report as JSON instead of tables")
    .option("--out <file>", "write the Markdown report there, with the chart (.svg) and the JSON (.json) beside it")
    .option("--from <file>", "render a JSON report that --out or --json saved, instead of measuring")
    .action(runAction(bench));
}

async function bench(flags: BenchFlags): Promise<number> {
  const settings = loadSettings(process.env);
  setUpLogging(settings);
  const report = flags.from ? await readReport(flags.from) : await measure(flags, settings);
  if (flags.out) await writeReport(report, flags.out);
  process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : renderText(report));
  return 0;
}

async function measure(flags: BenchFlags, settings: Settings): Promise<BenchReport> {
  const builtIn = engineInfo().backends;
  const unsupported = flags.backends.find((backend) => !builtIn.includes(backend));
  if (unsupported) {
    throw new RangeError(`backend '${unsupported}' is not built into rex's addon: use one of ${builtIn.join(", ")}`);
  }
  const models = flags.models.map((model) => ({ name: modelLabel(model), path: resolveModelFile(model, settings.modelsDir) }));
  const packageJson = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string };
  const started = Date.now();
  return runBenchmark({
    models,
    threads: flags.threads ?? [settings.threads],
    backends: flags.backends,
    flashAttention: flags.flashAttn,
    runs: flags.runs,
    inputs: flags.inputs,
    streamUtterances: flags.stream,
    peers: !flags.skipPeers,
    repoRoot,
    command: commandLine(),
    rexVersion: packageJson.version,
    progress: (message) => {
      const seconds = Math.round((Date.now() - started) / 1000);
      process.stderr.write(`rex bench [${seconds} s]: ${message}\n`);
    },
  });
}

async function readReport(path: string): Promise<BenchReport> {
  const text = await readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
    throw new RangeError(`cannot read the report ${path}: ${error.message}`);
  });
  let report: BenchReport;
  try {
    report = JSON.parse(text) as BenchReport;
  } catch (error) {
    throw new RangeError(`${path} is not valid JSON (${(error as Error).message}): pass a file that --out or --json wrote`);
  }
  if (report?.schema !== "rex-bench/1") {
    throw new RangeError(`${path} is not a rex bench report (expected schema rex-bench/1): pass a file that --out or --json wrote`);
  }
  return report;
}

/** Writes the Markdown page to `out`, and the chart and the JSON beside it with the same name. */
async function writeReport(report: BenchReport, out: string): Promise<void> {
  const markdownPath = resolve(out);
  const stem = join(dirname(markdownPath), basename(markdownPath, extname(markdownPath)));
  const chart = renderChart(report);
  await mkdir(dirname(markdownPath), { recursive: true });
  if (chart) await writeFile(`${stem}.svg`, chart);
  await writeFile(`${stem}.json`, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(markdownPath, renderMarkdown(report, chart ? `${basename(stem)}.svg` : null, analyze(report)));
  process.stderr.write(`rex bench: wrote ${markdownPath}, ${stem}.json${chart ? ` and ${stem}.svg` : ""}\n`);
}

/** Returns a model's name for the report: the catalog name, or a path's file name without "ggml-" and ".bin". */
function modelLabel(model: string): string {
  return basename(model).replace(/^ggml-/, "").replace(/\.bin$/, "");
}

/** Returns the command line as a user would type it, for the report. */
function commandLine(): string {
  const quote = (arg: string) => (/^[\w./,=:@+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`);
  return ["rex", ...process.argv.slice(2).map(quote)].join(" ");
}
