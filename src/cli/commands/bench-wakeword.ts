import type { Command } from "commander";

import { loadSettings } from "../../config/load.js";
import { benchWakeWord } from "../../wake/bench.js";
import type { WakeBenchEngine } from "../../wake/evaluate.js";
import { parsePositiveInt, runAction, setUpLogging } from "../run.js";

interface WakeBenchFlags {
  full?: boolean;
  engines?: string;
  model?: string;
  phrase?: string;
  whisperModels?: string;
  threads?: number;
  out?: string;
}

const list = (value: string | undefined) => value?.split(",").map((item) => item.trim()).filter(Boolean);

/** Adds `rex bench wakeword` under the `bench` command, which must be registered first. */
export function registerWakeWordBench(program: Command): void {
  const bench = program.commands.find((command) => command.name() === "bench");
  if (!bench) throw new Error("registerWakeWordBench: call registerBench(program) first");
  bench
    .command("wakeword")
    .description("measure false rejects, false accepts per hour and CPU of the wake-word engines on espeak-ng speech")
    .option("--full", "every English voice and variant instead of a systematic sample")
    .option("--engines <list>", "openwakeword, verifier (openWakeWord with enrolled users), phrase; comma-separated (default all)")
    .option("--model <name>", "openWakeWord model (default hey_jarvis)")
    .option("--phrase <text>", "phrase for the whisper engine (default 'hey rex')")
    .option("--whisper-models <list>", "Whisper models for the phrase engine (default tiny.en,base)")
    .option("--threads <n>", "CPU threads for whisper", parsePositiveInt("--threads"))
    .option("--out <file>", "write the Markdown report there")
    .action(runAction(runWakeBench));
}

async function runWakeBench(flags: WakeBenchFlags): Promise<void> {
  setUpLogging(loadSettings(process.env));
  const { markdown } = await benchWakeWord({
    full: flags.full,
    engines: list(flags.engines) as WakeBenchEngine[] | undefined,
    model: flags.model,
    phrase: flags.phrase,
    whisperModels: list(flags.whisperModels),
    threads: flags.threads,
    output: flags.out,
    command: `rex bench wakeword ${process.argv.slice(4).join(" ")}`.trim(),
    log: (line) => process.stderr.write(`rex bench wakeword: ${line}\n`),
  });
  process.stdout.write(markdown.endsWith("\n") ? markdown : `${markdown}\n`);
}
