import { DEFAULT_MODEL } from "./catalog.js";
import { installedModels, resolveModelFile } from "./store.js";
import { RexError } from "../errors.js";
import { getLogger } from "../log.js";
import type { Settings } from "../config/schema.js";

/** Catalog models to fall back on, best first, when the default model is not downloaded. */
const FALLBACK_ORDER = ["base.en", "base", "small.en", "small", "tiny.en", "tiny"];

/**
 * Finds the Whisper model file. A model the user named must exist; the default may fall back
 * to another downloaded model, with a warning that says how to get the default.
 */
export function resolveWhisperModel(settings: Settings, explicit: boolean): string {
  try {
    return resolveModelFile(settings.model, settings.modelsDir);
  } catch (error) {
    if (explicit || settings.model !== DEFAULT_MODEL || !(error instanceof RexError)) throw error;
    const installed = installedModels(settings.modelsDir).filter((model) => model.kind === "whisper");
    const fallback = FALLBACK_ORDER.map((name) => installed.find((model) => model.name === name)).find(Boolean);
    if (!fallback) throw error;
    getLogger("models").warn(
      `default model ${DEFAULT_MODEL} is not downloaded; using ${fallback.name}. Run \`rex models pull ${DEFAULT_MODEL}\` to get it.`,
    );
    return resolveModelFile(fallback.name, settings.modelsDir);
  }
}

/** Finds the Silero VAD model file, or throws MODEL_NOT_FOUND with the command that fetches it. */
export function resolveVadModel(settings: Settings): string {
  return resolveModelFile(settings.vadModel, settings.modelsDir);
}
