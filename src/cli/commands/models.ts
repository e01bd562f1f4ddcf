import type { Command } from "commander";

import { loadSettings } from "../../config/load.js";
import { RexError } from "../../errors.js";
import { findModel, MODEL_CATALOG } from "../../models/catalog.js";
import { pullModel, type DownloadProgress } from "../../models/download.js";
import { installedModels, resolveModelFile } from "../../models/store.js";
import { runAction, setUpLogging } from "../run.js";

export function registerModels(program: Command): void {
  const models = program.command("models").description("list, download and locate Whisper and VAD models");
  models.command("list").description("list the known models and which are downloaded").action(runAction(listModels));
  models
    .command("pull")
    .description("download a model and verify its published checksum")
    .argument("<name>", "model name, such as base.en or silero-v6.2.0")
    .option("--force", "download again even if a verified copy exists")
    .option("--base-url <url>", "download from this folder instead of the official one (a mirror)")
    .action(runAction(pull));
  models
    .command("path")
    .description("print the file path of a downloaded model")
    .argument("<name>", "model name or path")
    .action(runAction(printPath));
}

async function listModels(): Promise<void> {
  const settings = loadSettings(process.env);
  setUpLogging(settings);
  const installed = new Set(installedModels(settings.modelsDir).map((model) => model.name));
  const rows = MODEL_CATALOG.map((model) => {
    const state = installed.has(model.name) ? "downloaded" : "-";
    return `${model.name.padEnd(22)}${model.kind.padEnd(9)}${`${model.sizeMiB} MiB`.padEnd(10)}${state}`;
  });
  process.stdout.write(`${"name".padEnd(22)}${"kind".padEnd(9)}${"size".padEnd(10)}state\n${rows.join("\n")}\n`);
  process.stdout.write(`models folder: ${settings.modelsDir}\n`);
}

async function pull(name: string, flags: { force?: boolean; baseUrl?: string }): Promise<void> {
  const settings = loadSettings(process.env);
  setUpLogging(settings);
  const model = findModel(name);
  if (!model) {
    const names = MODEL_CATALOG.map((entry) => entry.name).join(", ");
    throw new RexError("MODEL_NOT_FOUND", `unknown model '${name}': use one of ${names}`);
  }
  const bar = progressBar(model.file);
  const path = await pullModel(model, settings.modelsDir, { force: flags.force, baseUrl: flags.baseUrl, onProgress: bar.update });
  bar.finish();
  process.stdout.write(`${path}\n`);
}

async function printPath(name: string): Promise<void> {
  const settings = loadSettings(process.env);
  setUpLogging(settings);
  process.stdout.write(`${resolveModelFile(name, settings.modelsDir)}\n`);
}

/** Creates a one-line progress bar on standard error, redrawn at most every 100 ms. */
function progressBar(label: string) {
  let lastDraw = 0;
  const draw = (progress: DownloadProgress) => {
    const mib = (progress.receivedBytes / 1048576).toFixed(1);
    if (!progress.totalBytes) return `${label}  ${mib} MiB`;
    const fraction = progress.receivedBytes / progress.totalBytes;
    const filled = Math.round(fraction * 30);
    const total = (progress.totalBytes / 1048576).toFixed(1);
    return `${label}  [${"#".repeat(filled)}${" ".repeat(30 - filled)}] ${(fraction * 100).toFixed(0)}%  ${mib}/${total} MiB`;
  };
  let last: DownloadProgress | undefined;
  return {
    update(progress: DownloadProgress) {
      last = progress;
      const now = Date.now();
      if (now - lastDraw < 100) return;
      lastDraw = now;
      process.stderr.write(`\r${draw(progress)}`);
    },
    finish() {
      if (last) process.stderr.write(`\r${draw(last)}\n`);
    },
  };
}
