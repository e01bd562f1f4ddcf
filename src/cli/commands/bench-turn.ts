import { mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";

import { InvalidArgumentError, type Command } from "commander";

import { runTurnBench, type ResponderKind } from "../../bench/turn.js";
import { renderTurnMarkdown, renderTurnText } from "../../bench/turn-report.js";
import { loadSettings } from "../../config/load.js";
import { parsePositiveInt, runAction, setUpLogging } from "../run.js";

interface TurnBenchFlags {
  model: string;
  utterances: number;
  responders: ResponderKind[];
  threads?: number;
  json?: boolean;
  out?: string;
}

function parseResponders(value: string): ResponderKind[] {
  const items = value.split(",").map((item) => item.trim()).filter(Boolean);
  const unknown = items.find((item) => item !== "llm" && item !== "offline");
  if (unknown !== undefined || items.length === 0) {
    throw new InvalidArgumentError(`--responders takes llm, offline or llm,offline, got '${value}'`);
  }
  return items as ResponderKind[];
}

/** Adds `rex bench turn` under the `bench` command, which must be registered first. */
export function registerTurnBench(program: Command): void {
  const bench = program.commands.find((command) => command.name() === "bench");
  if (!bench) throw new Error("registerTurnBench: call registerBench(program) first");
  bench
    .command("turn")
    .description("measure end of speech to endpoint, transcript, first LLM token and first reply sound in rex listen, and its peak memory")
    .option("--model <name>", "Whisper model name or ggml file path", "base")
    .option("--utterances <n>", "utterances per responder", parsePositiveInt("--utterances"), 20)
    .option("--responders <list>", "llm, offline or llm,offline", parseResponders, ["llm", "offline"] as ResponderKind[])
    .option("-t, --threads <n>", "whisper threads (default: the threads setting)", parsePositiveInt("--threads"))
    .option("--json", "print the report as JSON instead of tables")
    .option("--out <file>", "also write the report as Markdown to this file")
    .action(
      runAction(async (_flags: TurnBenchFlags, self: Command) => {
        // `rex bench` has --json, --out and --threads too, and commander gives them to the parent command.
        const flags = self.optsWithGlobals<TurnBenchFlags>();
        setUpLogging(loadSettings(process.env));
        const started = Date.now();
        const report = await runTurnBench({
          model: flags.model,
          utterances: flags.utterances,
          responders: flags.responders,
          threads: flags.threads,
          command: ["rex", ...process.argv.slice(2)].join(" "),
          progress: (message) => process.stderr.write(`rex bench turn [${Math.round((Date.now() - started) / 1000)} s]: ${message}\n`),
        });
        if (flags.out) {
          await mkdir(dirname(resolve(flags.out)), { recursive: true });
          await writeFile(flags.out, renderTurnMarkdown(report));
        }
        process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : renderTurnText(report));
        return 0;
      }),
    );
}
