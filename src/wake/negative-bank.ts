/**
 * The negative bank of speaker enrollment: espeak-ng speech that is not the wake word (sounds
 * like it, other wake phrases, ordinary sentences, a reading text), run through the classifier.
 * Only frames whose score reaches a low gate are kept, since the verifier is asked on those alone.
 * The frames are cached per classifier and plan, so only the first enrollment pays for them.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";

import { RexError } from "../errors.js";
import { COMMANDS, NEAR_MISSES, readingParagraphs, SENTENCES } from "./corpus.js";
import { buildClip, defaultCacheDir, englishVoices, runPool, synthesize, type Clip } from "./dataset.js";
import { type FrameFeatures, type OpenWakeWordDetector, spokenPhrase } from "./openwakeword.js";

/** Lowest gate the cache serves: enrollment may raise the gate, not lower it below this. */
export const BANK_GATE = 0.0005;
/** espeak-ng variants that speak the bank by default, next to each voice's own sound. */
export const BANK_VARIANTS = ["", "f2", "m3"];
/** Wake phrases of the shipped models and rex's own, spoken as negatives for the other models. */
const WAKE_PHRASES = ["hey jarvis", "hey rex", "alexa", "hey mycroft"];
/** Paragraphs of the reading text by default; about 25 seconds each. */
const READING_PARAGRAPHS = 24;
/** Bump when the bank's audio or its frames change, so old caches are not reused. */
const BANK_VERSION = 1;

export interface NegativeBankOptions {
  /** espeak-ng voices; default every English voice espeak-ng speaks here. */
  voices?: string[];
  /** espeak-ng variants; default {@link BANK_VARIANTS}. */
  variants?: string[];
  /** Paragraphs of generated reading text; default 24, about 10 minutes. */
  readingParagraphs?: number;
  /** Cache folder; default ~/.cache/rex/bench/wakeword. */
  cacheDir?: string;
  /** Parallel espeak-ng processes; default 2. */
  jobs?: number;
  /** Receives progress lines. */
  log?: (line: string) => void;
}

interface BankClip {
  text: string;
  voice: string;
  variant: string;
  noise: Clip["noise"];
}

/** Lists every clip of the bank: sound-alikes and other wake phrases for each voice and variant, then ordinary speech. */
function planBank(phrase: string, voices: string[], variants: string[], paragraphs: number): BankClip[] {
  const noises: Array<Clip["noise"]> = ["none", "pink", "brown"];
  const clips: BankClip[] = [];
  const confusable = [...(NEAR_MISSES[phrase] ?? []), ...WAKE_PHRASES.filter((other) => other !== phrase)];
  for (const [v, voice] of voices.entries()) {
    for (const [w, variant] of variants.entries()) {
      for (const [t, text] of confusable.entries()) {
        const command = COMMANDS[(t + v + w) % COMMANDS.length]!;
        for (const spoken of [text, `${text}, ${command}`]) {
          clips.push({ text: spoken, voice, variant, noise: noises[clips.length % noises.length]! });
        }
      }
    }
  }
  const ordinary = [...SENTENCES, ...readingParagraphs(paragraphs, 6, 7)];
  for (const [i, text] of ordinary.entries()) {
    const voice = voices[i % voices.length]!;
    const variant = variants[Math.floor(i / voices.length) % variants.length]!;
    clips.push({ text, voice, variant, noise: noises[i % noises.length]! });
  }
  return clips;
}

/**
 * Returns the features of every bank frame whose score reaches {@link BANK_GATE}, computed with
 * `detector`'s classifier `model` (the detector must have no verifiers) or read from the cache.
 */
export async function negativeBank(
  detector: OpenWakeWordDetector,
  model: string,
  modelFile: string,
  options: NegativeBankOptions = {},
): Promise<FrameFeatures[]> {
  const voices = options.voices ?? (await englishVoices()).voices;
  const variants = options.variants ?? BANK_VARIANTS;
  const plan = planBank(spokenPhrase(model), voices, variants, options.readingParagraphs ?? READING_PARAGRAPHS);
  const modelStamp = (await stat(modelFile)).size;
  const key = createHash("sha256").update(JSON.stringify({ BANK_VERSION, BANK_GATE, model, modelStamp, plan })).digest("hex");
  const path = join(options.cacheDir ?? defaultCacheDir(), `bank-${model.replace(/[^\w.-]/g, "_")}-${key.slice(0, 12)}.f32`);
  const cached = existsSync(path) ? await readBank(path) : undefined;
  if (cached) return cached;
  if (options.voices) await checkVoices(options.voices);
  options.log?.(`speaking the negative bank for ${model}: ${plan.length} clips, cached for later enrollments`);

  const gatedFrames: FrameFeatures[][] = new Array(plan.length);
  let done = 0;
  await runPool(plan, options.jobs ?? 2, async (clip, index) => {
    const speech = await synthesize(clip.voice, clip.variant, 175, 50, clip.text).catch((error: Error) => {
      throw voiceError(clip.voice, error);
    });
    const samples = buildClip(speech, clip.noise, index + 1);
    // The detector runs one clip at a time: synthesis overlaps, inference does not.
    const analyzed = await serial(() => detector.analyze(samples, model));
    gatedFrames[index] = analyzed.filter((frame) => frame.score >= BANK_GATE);
    if (++done % 100 === 0) options.log?.(`negative bank: ${done} of ${plan.length} clips`);
  });
  const frames = gatedFrames.flat();
  await writeBank(path, frames);
  return frames;
}

/** Speaks a word with each voice, so a misspelt voice fails before the long work starts. */
async function checkVoices(voices: string[]): Promise<void> {
  for (const voice of voices) {
    await synthesize(voice, "", 175, 50, "hello").catch((error: Error) => {
      throw voiceError(voice, error);
    });
  }
}

function voiceError(voice: string, error: Error): RexError {
  const reason = (error.message.split("\n")[0] ?? "failed").replace(/\.+$/, "");
  return new RexError(
    "TTS_FAILED",
    `cannot speak the negative bank with the espeak-ng voice '${voice}': ${reason}. List the English voices with \`espeak-ng --voices=en\`.`,
    { cause: error },
  );
}

let queue: Promise<unknown> = Promise.resolve();

function serial<T>(work: () => Promise<T>): Promise<T> {
  const result = queue.then(work);
  queue = result.catch(() => undefined);
  return result;
}

/** Stores frames as float32 records: score, then the features. */
async function writeBank(path: string, frames: FrameFeatures[]): Promise<void> {
  const size = frames[0]?.features.length ?? 0;
  const data = new Float32Array(2 + frames.length * (1 + size));
  data[0] = frames.length;
  data[1] = size;
  frames.forEach((frame, index) => {
    const offset = 2 + index * (1 + size);
    data[offset] = frame.score;
    data.set(frame.features, offset + 1);
  });
  await mkdir(join(path, ".."), { recursive: true });
  await writeFile(`${path}.partial`, new Uint8Array(data.buffer));
  await rename(`${path}.partial`, path);
}

/** Reads a cached bank, or returns undefined when the file is damaged, so the bank is spoken again. */
async function readBank(path: string): Promise<FrameFeatures[] | undefined> {
  const bytes = await readFile(path);
  if (bytes.length < 8 || bytes.length % 4 !== 0) return undefined;
  const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const [count = 0, size = 0] = data;
  if (!Number.isInteger(count) || !Number.isInteger(size) || count < 0 || size < 0 || data.length !== 2 + count * (1 + size)) {
    return undefined;
  }
  return Array.from({ length: count }, (_, index) => {
    const offset = 2 + index * (1 + size);
    return { sample: 0, score: data[offset]!, features: data.slice(offset + 1, offset + 1 + size) };
  });
}
