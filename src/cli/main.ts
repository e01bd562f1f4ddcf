#!/usr/bin/env node
import { readFileSync } from "node:fs";

import { Command } from "commander";

import { registerDevices } from "./commands/devices.js";
import { registerListen } from "./commands/listen.js";
import { registerModels } from "./commands/models.js";
import { registerTranscribe } from "./commands/transcribe.js";

const packageJson = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

const program = new Command()
  .name("rex")
  .description("A local-first voice assistant: whisper.cpp speech recognition, an OpenAI-compatible LLM and espeak-ng")
  .version(packageJson.version, "-v, --version");

registerListen(program);
registerTranscribe(program);
registerDevices(program);
registerModels(program);

await program.parseAsync(process.argv);
