/**
 * The enrollment part of the wake-word benchmark. Each espeak-ng voice and variant in a small
 * set plays one user: it enrolls with four recordings of the wake word and three sentences, then
 * speaks the wake word under the 24 conditions of the main set. The voices split into two halves.
 * The other half speaks a user's negative bank. The user's false accepts are counted on the main
 * set's negatives spoken by its own half, plus its own near misses.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

import { isRexError } from "../errors.js";
import { COMMANDS, NEAR_MISSES, SENTENCES } from "./corpus.js";
import { buildClip, type Clip, type Dataset, PITCHES, RATES, readClip, readFloat32File, runPool, synthesize } from "./dataset.js";
import { enroll } from "./enroll.js";
import {
  FRAME_SAMPLES,
  type FrameFeatures,
  OpenWakeWordDetector,
  OPENWAKEWORD_DEFAULTS,
  spokenPhrase,
  stepDecision,
} from "./openwakeword.js";
import { VERIFIER_DEFAULTS, verifierProbability, type WakeVerifier } from "./verifier.js";

/** Variants that, with each voice, make the benchmark's users. */
export const USER_VARIANTS = ["", "f2", "m3", "klatt2"];
/** Speaking rates of the four enrollment recordings, at espeak-ng's default pitch. */
const ENROLL_RATES = [150, 165, 185, 200];
export const VERIFIER_THRESHOLDS = [0.5, 0.9, 0.95, 0.98, 0.99, 0.995, 0.998, 0.999];

type UserClipKind = "enroll" | "own" | "test" | "near-miss";

interface UserClip {
  kind: UserClipKind;
  text: string;
  rate: number;
  pitch: number;
  noise: Clip["noise"];
}

/** A clip's frames at or above the bank gate, with their frame numbers. */
interface GatedClip {
  seconds: number;
  noise?: Clip["noise"];
  ordinary?: boolean;
  frames: Array<{ index: number; score: number; features: Float32Array }>;
}

export interface VerifierRow {
  /** Verifier threshold, or the classifier's own threshold in the rows without a verifier. */
  threshold: number;
  verifier: boolean;
  gate: number;
  patience: number;
  falseRejectRate: number;
  falseRejectRateClean: number;
  falseRejectRateNoisy: number;
  falseAccepts: number;
  falseAcceptsPerHour: number;
  /** Of those, on the user's own near misses. */
  ownNearMissAccepts: number;
  ordinaryFalseAccepts: number;
  /** False accepts per hour of ordinary speech: the sentences and the reading text. */
  ordinaryFalseAcceptsPerHour: number;
}

export interface VerifierResult {
  model: string;
  users: string[];
  gate: number;
  positives: number;
  /** Negative audio summed over users: each user meets its half of the main set and its own near misses. */
  negativeHours: number;
  /** Of those, hours of ordinary speech (sentences and reading), summed over users. */
  ordinaryHours: number;
  ownNearMisses: number;
  /** Users whose enrollment failed; they count with the classifier alone in every row. */
  failedEnrollments: string[];
  /** Bank frames per user, at the gate, on average. */
  bankFrames: number;
  /** Mean seconds of one enrollment with the bank already cached. */
  enrollSeconds: number;
  rows: VerifierRow[];
  wallSeconds: number;
}

/** Lists the clips each user speaks: 4 to enroll, 3 sentences, 24 tests and the near misses. */
function planUser(phrase: string): UserClip[] {
  const clips: UserClip[] = ENROLL_RATES.map((rate) => ({ kind: "enroll", text: phrase, rate, pitch: 50, noise: "none" }));
  for (const i of [0, 1, 2]) clips.push({ kind: "own", text: SENTENCES[i * 7]!, rate: 175, pitch: 50, noise: "none" });
  for (let c = 0; c < 24; c++) {
    const withCommand = Math.floor(c / 6) % 2 === 1;
    const noisy = Math.floor(c / 12) % 2 === 1;
    clips.push({
      kind: "test",
      text: withCommand ? `${phrase}, ${COMMANDS[c % COMMANDS.length]}` : phrase,
      rate: RATES[c % 3]!,
      pitch: PITCHES[Math.floor(c / 3) % 2]!,
      noise: testNoise(noisy, c),
    });
  }
  for (const text of NEAR_MISSES[phrase] ?? []) clips.push({ kind: "near-miss", text, rate: 175, pitch: 50, noise: "none" });
  return clips;
}

/** Returns the noise of test condition `c`: pink and brown in turn on the noisy ones. */
function testNoise(noisy: boolean, c: number): Clip["noise"] {
  if (!noisy) return "none";
  return c % 2 === 0 ? "pink" : "brown";
}

/** Speaks (or reads from the cache) every clip of one user. */
async function userClips(voice: string, variant: string, plan: UserClip[], dir: string): Promise<Float32Array[]> {
  const clips: Float32Array[] = new Array(plan.length);
  await runPool(plan, 2, async (clip, index) => {
    const path = join(dir, `${voice.replace(/\W/g, "-")}+${variant || "default"}-${index}.f32`);
    if (existsSync(path)) {
      clips[index] = await readFloat32File(path);
      return;
    }
    const samples = buildClip(await synthesize(voice, variant, clip.rate, clip.pitch, clip.text), clip.noise, index + 1);
    await writeFile(`${path}.partial`, new Uint8Array(samples.buffer));
    await rename(`${path}.partial`, path);
    clips[index] = samples;
  });
  return clips;
}

async function gated(detector: OpenWakeWordDetector, samples: Float32Array, gate: number): Promise<GatedClip["frames"]> {
  const frames: FrameFeatures[] = await detector.analyze(samples);
  return frames.flatMap((frame, index) => (frame.score >= gate ? [{ index, score: frame.score, features: frame.features }] : []));
}

/**
 * Counts the detections in one clip under the detector's rule (see stepDecision), where `accept`
 * passes a gated frame. Frames below the gate are absent, so a gap in the indices breaks a run.
 */
function detections(clip: GatedClip, accept: (frame: GatedClip["frames"][number]) => boolean, patience: number): number {
  const settings = { threshold: 1, patience, refractorySamples: OPENWAKEWORD_DEFAULTS.refractorySeconds * 16000 };
  const state = { consecutive: 0, refractoryUntil: 0 };
  let count = 0;
  let previous = -2;
  for (const frame of clip.frames) {
    const sample = (frame.index + 1) * FRAME_SAMPLES;
    if (frame.index !== previous + 1) stepDecision(state, 0, sample - FRAME_SAMPLES, settings);
    previous = frame.index;
    if (stepDecision(state, accept(frame) ? 1 : 0, sample, settings)) count++;
  }
  return count;
}

interface Tally {
  positives: number;
  clean: number;
  rejected: number;
  cleanRejected: number;
  falseAccepts: number;
  ownNearMissAccepts: number;
  ordinaryFalseAccepts: number;
}

/** One row's test: a classifier threshold alone, or the gate and a verifier threshold. */
interface RowSetting {
  threshold: number;
  verifier: boolean;
  /** Classifier score at which the verifier is consulted; 0 in the rows without a verifier. */
  gate: number;
  /** Consecutive accepted frames for a detection. */
  patience: number;
}

function tallyUser(
  tally: Tally,
  setting: RowSetting,
  verifier: WakeVerifier | undefined,
  tests: GatedClip[],
  negatives: GatedClip[],
  nearMisses: GatedClip[],
): void {
  // A user whose enrollment failed runs the classifier alone, at its default threshold.
  const applied = setting.verifier && !verifier ? { ...setting, verifier: false, threshold: OPENWAKEWORD_DEFAULTS.threshold } : setting;
  const accept = applied.verifier
    ? (frame: GatedClip["frames"][number]) =>
        frame.score >= applied.gate && verifierProbability(verifier!, frame.features) >= applied.threshold
    : (frame: GatedClip["frames"][number]) => frame.score >= applied.threshold;
  for (const test of tests) {
    const missed = detections(test, accept, setting.patience) === 0;
    tally.positives++;
    if (test.noise === "none") tally.clean++;
    if (missed) tally.rejected++;
    if (missed && test.noise === "none") tally.cleanRejected++;
  }
  for (const clip of negatives) {
    const count = detections(clip, accept, setting.patience);
    tally.falseAccepts += count;
    if (clip.ordinary) tally.ordinaryFalseAccepts += count;
  }
  for (const clip of nearMisses) {
    const count = detections(clip, accept, setting.patience);
    tally.falseAccepts += count;
    tally.ownNearMissAccepts += count;
  }
}

function toRow(setting: RowSetting, tally: Tally, hours: { negative: number; ordinary: number }): VerifierRow {
  const noisy = tally.positives - tally.clean;
  return {
    ...setting,
    falseRejectRate: tally.rejected / Math.max(1, tally.positives),
    falseRejectRateClean: tally.cleanRejected / Math.max(1, tally.clean),
    falseRejectRateNoisy: (tally.rejected - tally.cleanRejected) / Math.max(1, noisy),
    falseAccepts: tally.falseAccepts,
    falseAcceptsPerHour: tally.falseAccepts / Math.max(1e-9, hours.negative),
    ownNearMissAccepts: tally.ownNearMissAccepts,
    ordinaryFalseAccepts: tally.ordinaryFalseAccepts,
    ordinaryFalseAcceptsPerHour: tally.ordinaryFalseAccepts / Math.max(1e-9, hours.ordinary),
  };
}

/** The main set's negatives for `model`, gated, split by the half of the voices that spoke them. */
async function negativesByHalf(dataset: Dataset, detector: OpenWakeWordDetector, phrase: string, half: (voice: string) => number) {
  const halves: [GatedClip[], GatedClip[]] = [[], []];
  for (const clip of dataset.clips) {
    if (clip.set === "positive" && clip.phrase === phrase) continue;
    const frames = await gated(detector, await readClip(dataset, clip), VERIFIER_DEFAULTS.gate);
    const ordinary = clip.set === "sentence" || clip.set === "reading";
    halves[half(clip.voice)].push({ seconds: clip.seconds, ordinary, frames });
  }
  return halves;
}

/** One user's verifier and gated clips, ready to tally. */
interface UserRun {
  /** Absent when enrollment failed, as it does when the verifier rejects the user's own recordings. */
  verifier?: WakeVerifier;
  tests: GatedClip[];
  nearMisses: GatedClip[];
  bankFrames: number;
  enrollSeconds: number;
}

/** Speaks one user's clips, enrolls the user against a bank spoken by `bankVoices`, and gates the test clips. */
async function runUser(
  detector: OpenWakeWordDetector,
  model: string,
  user: { voice: string; variant: string; bankVoices: string[] },
  plan: UserClip[],
  dirs: { clips: string; cache: string },
  log: (line: string) => void,
): Promise<UserRun> {
  const clips = await userClips(user.voice, user.variant, plan, dirs.clips);
  const of = (kind: UserClipKind) => clips.filter((_, index) => plan[index]!.kind === kind);
  const started = performance.now();
  const enrollment = await enroll({
    model,
    recordings: of("enroll"),
    otherSpeech: of("own"),
    bank: { voices: user.bankVoices, cacheDir: dirs.cache, log },
  }).catch((error: unknown) => {
    if (!isRexError(error, "WAKE_ENROLL_FAILED")) throw error;
    log(`verifier: enrollment of ${user.voice}+${user.variant} failed: ${(error as Error).message}`);
    return undefined;
  });
  const enrollSeconds = (performance.now() - started) / 1000;

  const testPlan = plan.filter((clip) => clip.kind === "test");
  const tests: GatedClip[] = [];
  for (const [index, samples] of of("test").entries()) {
    const frames = await gated(detector, samples, VERIFIER_DEFAULTS.gate);
    tests.push({ seconds: samples.length / 16000, noise: testPlan[index]!.noise, frames });
  }
  const nearMisses: GatedClip[] = [];
  for (const samples of of("near-miss")) {
    nearMisses.push({ seconds: samples.length / 16000, frames: await gated(detector, samples, VERIFIER_DEFAULTS.gate) });
  }
  return { verifier: enrollment?.verifier, tests, nearMisses, bankFrames: enrollment?.bankFrames ?? 0, enrollSeconds };
}

const GATE = VERIFIER_DEFAULTS.gate;
const ROW_SETTINGS: RowSetting[] = [
  ...[0.5, 0.1].map((threshold) => ({ threshold, verifier: false, gate: 0, patience: 1 })),
  ...VERIFIER_THRESHOLDS.map((threshold) => ({ threshold, verifier: true, gate: GATE, patience: 1 })),
  ...[0.95, 0.98, 0.99].map((threshold) => ({ threshold, verifier: true, gate: GATE, patience: 2 })),
  ...[0.01, 0.05].flatMap((gate) => [0.95, 0.98, 0.99].map((threshold) => ({ threshold, verifier: true, gate, patience: 1 }))),
];

/** Enrolls every user, then counts false rejects and false accepts with and without their verifiers. */
export async function benchmarkVerifier(
  dataset: Dataset,
  model: string,
  options: { cacheDir: string; log: (line: string) => void },
): Promise<VerifierResult> {
  const started = performance.now();
  const phrase = spokenPhrase(model);
  const middle = Math.ceil(dataset.voices.length / 2);
  const half = (voice: string) => (dataset.voices.indexOf(voice) < middle ? 0 : 1);
  const tallies: Tally[] = ROW_SETTINGS.map(() => ({
    positives: 0, clean: 0, rejected: 0, cleanRejected: 0, falseAccepts: 0, ownNearMissAccepts: 0, ordinaryFalseAccepts: 0,
  }));
  const plan = planUser(phrase);
  const clipsDir = join(options.cacheDir, `users-${createHash("sha256").update(JSON.stringify(plan)).digest("hex").slice(0, 12)}`);
  await mkdir(clipsDir, { recursive: true });
  const users: string[] = [];
  const failedEnrollments: string[] = [];
  const totals = { negativeHours: 0, ordinaryHours: 0, ownNearMisses: 0, bankFrames: 0 };
  const enrollTimes: number[] = [];

  const detector = await OpenWakeWordDetector.load([model]);
  try {
    options.log(`verifier: gating the negatives of ${model}`);
    const negatives = await negativesByHalf(dataset, detector, phrase, half);
    for (const voice of dataset.voices) {
      const bankVoices = dataset.voices.filter((other) => half(other) !== half(voice));
      for (const [index, variant] of USER_VARIANTS.entries()) {
        users.push(variant ? `${voice}+${variant}` : voice);
        const dirs = { clips: clipsDir, cache: options.cacheDir };
        const run = await runUser(detector, model, { voice, variant, bankVoices }, plan, dirs, options.log);

        // The first user of each half also speaks the bank, so its time is not an enrollment's.
        const bankSpoken = index === 0 && (voice === dataset.voices[0] || voice === dataset.voices[middle]);
        if (!bankSpoken) enrollTimes.push(run.enrollSeconds);

        const own = negatives[half(voice)];
        ROW_SETTINGS.forEach((setting, row) => tallyUser(tallies[row]!, setting, run.verifier, run.tests, own, run.nearMisses));
        totals.negativeHours += [...own, ...run.nearMisses].reduce((sum, clip) => sum + clip.seconds, 0) / 3600;
        totals.ordinaryHours += own.filter((clip) => clip.ordinary).reduce((sum, clip) => sum + clip.seconds, 0) / 3600;
        totals.ownNearMisses += run.nearMisses.length;
        totals.bankFrames += run.bankFrames;
        if (!run.verifier) failedEnrollments.push(users.at(-1)!);
        options.log(`verifier: ${users.at(-1)} enrolled (${users.length} users)`);
      }
    }
  } finally {
    await detector.close();
  }
  return {
    model,
    users,
    gate: VERIFIER_DEFAULTS.gate,
    positives: tallies[0]!.positives,
    negativeHours: totals.negativeHours,
    ordinaryHours: totals.ordinaryHours,
    ownNearMisses: totals.ownNearMisses,
    failedEnrollments,
    bankFrames: totals.bankFrames / Math.max(1, users.length),
    enrollSeconds: enrollTimes.reduce((sum, time) => sum + time, 0) / Math.max(1, enrollTimes.length),
    rows: ROW_SETTINGS.map((setting, row) => toRow(setting, tallies[row]!, { negative: totals.negativeHours, ordinary: totals.ordinaryHours })),
    wallSeconds: (performance.now() - started) / 1000,
  };
}
