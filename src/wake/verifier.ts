/**
 * Speaker verifiers for openWakeWord classifiers. A verifier is a logistic regression over the
 * classifier's input (its window of speech embeddings), fitted to one person's recordings of the
 * wake word against other speech. The detector consults it only on frames where the classifier's
 * score reaches a low gate, so the verifier decides between the wake word in that person's voice
 * and the many sounds that look a little like it.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

import { z } from "zod";

import { RexError } from "../errors.js";

export const VERIFIER_FORMAT = "rex-wake-verifier";

/**
 * Defaults of enrollment: the classifier score at which the verifier is consulted, the verifier's
 * threshold, and the consecutive frames above it for a detection. `rex bench wakeword` measured
 * this setting with the fewest false rejects within 0.5 false accepts per hour of ordinary speech.
 */
export const VERIFIER_DEFAULTS = { gate: 0.001, threshold: 0.98, patience: 2 } as const;

const verifierSchema = z.object({
  format: z.literal(VERIFIER_FORMAT),
  version: z.literal(1),
  /** Name of the classifier it verifies, such as hey_jarvis. */
  model: z.string().min(1),
  /** Embeddings in the classifier's window; the features are window * 96 values. */
  window: z.number().int().positive(),
  /** Classifier score at or above which the verifier is consulted. */
  gate: z.number().min(0).max(1),
  /** Verifier probability at or above which the frame counts as the wake word. */
  threshold: z.number().min(0).max(1),
  /** Consecutive frames at or above the threshold for a detection. */
  patience: z.number().int().min(1).max(10),
  mean: z.array(z.number()),
  scale: z.array(z.number().positive()),
  weights: z.array(z.number()),
  bias: z.number(),
  /** Frames the regression was fitted to. */
  examples: z.object({ positive: z.number().int().nonnegative(), negative: z.number().int().nonnegative() }),
  created: z.string(),
});

export type WakeVerifier = z.infer<typeof verifierSchema>;

export interface FitOptions {
  /** Gradient steps; default 300. */
  iterations?: number;
  /** Step size on standardized features; default 0.05. */
  learningRate?: number;
  /** L2 penalty per feature; default 1 / features. */
  l2?: number;
}

/**
 * Fits a logistic regression that separates `positives` from `negatives` (feature vectors of equal
 * length). Features are standardized first, and both classes weigh the same in the loss however
 * many examples each has, since a few recordings of the wake word meet thousands of other frames.
 */
export function fitVerifier(positives: Float32Array[], negatives: Float32Array[], options: FitOptions = {}) {
  if (positives.length === 0 || negatives.length === 0) {
    throw new RangeError(`fitting a verifier needs positive and negative frames, got ${positives.length} and ${negatives.length}`);
  }
  const size = positives[0]!.length;
  const all = [...positives, ...negatives];
  if (all.some((features) => features.length !== size)) throw new RangeError(`every feature vector must have ${size} values`);
  const { mean, scale } = standardization(all, size);
  const rows = all.map((features) => standardize(features, mean, scale));
  const labels = all.map((_, index) => (index < positives.length ? 1 : 0));
  const rowWeights = labels.map((label) => (label === 1 ? 0.5 / positives.length : 0.5 / negatives.length));
  const iterations = options.iterations ?? 300;
  const learningRate = options.learningRate ?? 0.05;
  const l2 = options.l2 ?? 1 / size;
  const weights = new Float64Array(size);
  let bias = 0;
  const gradient = new Float64Array(size);
  for (let step = 0; step < iterations; step++) {
    gradient.fill(0);
    let biasGradient = 0;
    for (const [index, row] of rows.entries()) {
      const error = (sigmoid(dot(weights, row) + bias) - labels[index]!) * rowWeights[index]!;
      for (let j = 0; j < size; j++) gradient[j]! += error * row[j]!;
      biasGradient += error;
    }
    for (let j = 0; j < size; j++) weights[j]! -= learningRate * (gradient[j]! + l2 * weights[j]!);
    bias -= learningRate * biasGradient;
  }
  return { mean: Array.from(mean), scale: Array.from(scale), weights: Array.from(weights), bias };
}

/** Probability that `features` (the classifier's embedding window) is the enrolled wake word. */
export function verifierProbability(verifier: WakeVerifier, features: Float32Array): number {
  const { mean, scale, weights } = verifier;
  if (features.length !== weights.length) {
    throw new RangeError(`the verifier for ${verifier.model} expects ${weights.length} features, got ${features.length}`);
  }
  let sum = verifier.bias;
  for (let j = 0; j < weights.length; j++) sum += (weights[j]! * (features[j]! - mean[j]!)) / scale[j]!;
  return sigmoid(sum);
}

/** Returns the path where `rex wake enroll` writes the verifier of `model` by default: `<dataDir>/wake/<model>.verifier.json`. */
export function defaultVerifierPath(dataDir: string, model: string): string {
  return join(dataDir, "wake", `${model.replace(/[^\w.-]/g, "_")}.verifier.json`);
}

/** Reads and checks a verifier file written by `rex wake enroll`. */
export function readVerifier(path: string): WakeVerifier {
  if (!existsSync(path)) {
    throw new RexError("WAKE_MODEL_NOT_FOUND", `wake-word verifier file not found: '${path}'. Create one with \`rex wake enroll\`.`);
  }
  if (!statSync(path).isFile()) {
    throw new RexError("WAKE_MODEL_LOAD_FAILED", `wake-word verifier '${path}' is not a file; name the .verifier.json file itself`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new RexError("WAKE_MODEL_LOAD_FAILED", `wake-word verifier '${path}' is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const result = verifierSchema.safeParse(parsed);
  const verifier = result.data;
  const problem = result.success ? shapeProblem(verifier!) : result.error.issues.map(describeIssue).join("; ");
  if (problem) {
    throw new RexError(
      "WAKE_MODEL_LOAD_FAILED",
      `'${path}' is not a rex wake-word verifier: ${problem}. Enroll again with \`rex wake enroll\`.`,
    );
  }
  return verifier!;
}

/** Writes `verifier` as JSON, replacing any file at `path` in one rename. */
export async function writeVerifier(path: string, verifier: WakeVerifier): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(verifier)}\n`);
  await rename(temporary, path);
}

function shapeProblem(verifier: WakeVerifier): string | undefined {
  const size = verifier.window * 96;
  const lengths = [verifier.mean.length, verifier.scale.length, verifier.weights.length];
  if (lengths.some((length) => length !== size)) {
    return `mean, scale and weights need ${size} values for a window of ${verifier.window}, got ${lengths.join(", ")}`;
  }
  return undefined;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  return issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message;
}

function standardization(rows: Float32Array[], size: number): { mean: Float64Array; scale: Float64Array } {
  const mean = new Float64Array(size);
  const scale = new Float64Array(size);
  for (const row of rows) for (let j = 0; j < size; j++) mean[j]! += row[j]! / rows.length;
  for (const row of rows) for (let j = 0; j < size; j++) scale[j]! += (row[j]! - mean[j]!) ** 2 / rows.length;
  // The floor keeps features that never vary in the enrollment set from dominating later frames.
  for (let j = 0; j < size; j++) scale[j] = Math.sqrt(scale[j]!) + 1e-3;
  return { mean, scale };
}

function standardize(row: Float32Array, mean: Float64Array, scale: Float64Array): Float64Array {
  const out = new Float64Array(row.length);
  for (let j = 0; j < row.length; j++) out[j] = (row[j]! - mean[j]!) / scale[j]!;
  return out;
}

function dot(weights: Float64Array, row: Float64Array): number {
  let sum = 0;
  for (let j = 0; j < weights.length; j++) sum += weights[j]! * row[j]!;
  return sum;
}

function sigmoid(value: number): number {
  return 1 / (1 + Math.exp(-value));
}
