#!/usr/bin/env node
import { readFileSync } from "node:fs";

import { Command, CommanderError } from "commander";

import { registerAudioBench } from "../bench/audio.js";
import { registerBench } from "./commands/bench.js";
import { registerTurnBench } from "./commands/bench-turn.js";
import { registerWakeWordBench } from "./commands/bench-wakeword.js";
import { registerConfig } from "./commands/config.js";
import { registerDevices } from "./commands/devices.js";
import { registerDoctor } from "./commands/doctor.js";
import { registerHistory } from "./commands/history.js";
import { registerListen } from "./commands/listen.js";
import { registerModels } from "./commands/models.js";
import { registerTranscribe } from "./commands/transcribe.js";
import { registerWake } from "./commands/wake.js";
import { EXIT_USAGE } from "./run.js";

const packageJson = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

const program = new Command()
  .name("rex")
  .description("A local-first voice assistant: whisper.cpp speech recognition, an OpenAI-compatible LLM and espeak-ng")
  .version(packageJson.version, "-v, --version")
  // Commander prints its own message for usage errors; rex then exits with the usage status.
  // Subcommands inherit this only when it is set before they are added.
  .exitOverride();

registerListen(program);
registerTranscribe(program);
registerDevices(program);
registerModels(program);
registerBench(program);
registerAudioBench(program);
registerWakeWordBench(program);
registerTurnBench(program);
registerConfig(program);
registerDoctor(program);
registerHistory(program);
registerWake(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (!(error instanceof CommanderError)) throw error;
  const finished = ["commander.helpDisplayed", "commander.version", "commander.help"].includes(error.code);
  process.exitCode = finished ? 0 : EXIT_USAGE;
}
