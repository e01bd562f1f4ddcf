#!/usr/bin/env node
// Runs the wake-word benchmark from the built dist/ folder (`npx tsc -p tsconfig.json` first)
// and writes bench/wakeword/RESULTS.md. Usage:
//   node bench/wakeword/run.mjs [--full] [--engines openwakeword,verifier,phrase] [--model hey_jarvis]
//     [--phrase "hey rex"] [--whisper-models tiny.en,base] [--threads 2] [--output FILE]
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import { benchWakeWord } from "../../dist/wake/bench.js";

const { values } = parseArgs({
  options: {
    full: { type: "boolean", default: false },
    engines: { type: "string" },
    model: { type: "string" },
    phrase: { type: "string" },
    "whisper-models": { type: "string" },
    threads: { type: "string" },
    output: { type: "string", default: fileURLToPath(new URL("RESULTS.md", import.meta.url)) },
  },
});

const list = (value) => value?.split(",").map((item) => item.trim()).filter(Boolean);
const started = Date.now();
await benchWakeWord({
  full: values.full,
  engines: list(values.engines),
  model: values.model,
  phrase: values.phrase,
  whisperModels: list(values["whisper-models"]),
  threads: values.threads ? Number(values.threads) : undefined,
  output: values.output,
  command: ["node bench/wakeword/run.mjs", ...process.argv.slice(2)].join(" "),
  log: (line) => process.stderr.write(`[${Math.round((Date.now() - started) / 1000)} s] ${line}\n`),
});
process.stderr.write(`wrote ${values.output}\n`);
