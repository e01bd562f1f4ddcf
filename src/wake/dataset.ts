/**
 * The labelled audio set for the wake-word benchmark, spoken by espeak-ng and converted to
 * 16 kHz by sox. Clips are cached as raw 32-bit float files with a manifest, so later runs only
 * read them.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

import { RexError } from "../errors.js";
import { COMMANDS, NEAR_MISSES, readingParagraphs, seededRandom, SENTENCES } from "./corpus.js";

const execFileAsync = promisify(execFile);

const SAMPLE_RATE = 16000;
/** Speaking rates in words per minute; espeak-ng's default is 175. */
export const RATES = [140, 175, 210];
/** Pitches on espeak-ng's 0 to 99 scale; its default is 50. */
export const PITCHES = [35, 65];
/** Signal-to-noise ratio of the noisy clips, in dB. */
export const NOISE_SNR_DB = 10;
/** Silence before and after the speech in each clip, in seconds. */
const LEAD_SECONDS = 0.5;
const TAIL_SECONDS = 1.0;
/** Level of the faint noise under every clip, so no clip contains digital silence: -70 dBFS RMS. */
const FLOOR_RMS = 10 ** (-70 / 20);
/** Paragraphs in the reading text; at about 60 words each they take over 30 minutes to read. */
const READING_PARAGRAPHS = 96;
/** Bump when the generated audio changes, so old caches are not reused. */
const DATASET_VERSION = 1;

export type ClipSet = "positive" | "sentence" | "reading" | "near-miss";

export interface Clip {
  id: string;
  /** Raw little-endian float32 samples at 16 kHz, relative to the dataset folder. */
  file: string;
  set: ClipSet;
  /** For a positive clip, the wake phrase it contains. */
  phrase?: string;
  /** For a positive clip with a command, the words after the phrase. */
  command?: string;
  text: string;
  voice: string;
  variant: string;
  rate: number;
  pitch: number;
  noise: "none" | "pink" | "brown";
  seconds: number;
}

export interface Dataset {
  dir: string;
  clips: Clip[];
  /** English voices espeak-ng lists but could not speak with, with the reason. */
  skippedVoices: Array<{ voice: string; reason: string }>;
  voices: string[];
  variants: string[];
  /** True when every voice was paired with every variant and every condition. */
  full: boolean;
}

export interface DatasetOptions {
  /** Wake phrases for the positive clips. */
  phrases: string[];
  /** Cache folder; default ~/.cache/rex/bench/wakeword. */
  cacheDir?: string;
  /**
   * Speak every voice with every variant under all 24 conditions (rate, pitch, command, noise).
   * By default each voice and variant pair is spoken once, with the conditions taken in turn.
   */
  full?: boolean;
  /** Parallel espeak-ng and sox processes; default 2. */
  jobs?: number;
  onProgress?: (done: number, total: number) => void;
}

interface ClipSpec extends Omit<Clip, "file" | "seconds"> {}

/** Default cache folder of the benchmark audio. */
export function defaultCacheDir(): string {
  return join(homedir(), ".cache", "rex", "bench", "wakeword");
}

async function listVoices(kind: "en" | "variant"): Promise<string[]> {
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync("espeak-ng", [`--voices=${kind}`]));
  } catch (error) {
    throw new RexError(
      "TTS_FAILED",
      `cannot list espeak-ng voices: ${(error as Error).message}. Install espeak-ng (Debian: apt-get install espeak-ng).`,
      { cause: error },
    );
  }
  // Columns: priority, language, age/gender, voice name, file, other languages.
  return stdout
    .split("\n")
    .slice(1)
    .map((line) => line.trim().split(/\s+/)[4])
    .filter((file): file is string => file !== undefined && file.length > 0);
}

/** Voice identifiers for `espeak-ng -v`: the language voices by file, variants by name after "!v/". */
export async function englishVoices(): Promise<{ voices: string[]; skipped: Array<{ voice: string; reason: string }> }> {
  const files = await listVoices("en");
  const voices: string[] = [];
  const skipped: Array<{ voice: string; reason: string }> = [];
  for (const file of files) {
    if (file.startsWith("!v/")) continue;
    // MBROLA voices (mb/...) need the separate mbrola synthesizer and its voice data.
    const result = await synthesize(file, "", 175, 50, "hello").then(
      (pcm) => (pcm.length > 0 ? "" : "produced no audio"),
      (error: Error) => error.message.split("\n")[0] ?? "failed",
    );
    if (result === "") voices.push(file);
    else skipped.push({ voice: file, reason: result });
  }
  return { voices, skipped };
}

/**
 * Speaks `text` with espeak-ng piped into sox and returns 16 kHz mono float samples. `voice` is
 * an espeak-ng voice such as "en-us"; `variant` is a variant name such as "f3", or "".
 */
export function synthesize(voice: string, variant: string, rate: number, pitch: number, text: string): Promise<Float32Array> {
  return new Promise((resolve, reject) => {
    const name = variant ? `${voice}+${variant}` : voice;
    const espeak = spawn("espeak-ng", ["-v", name, "-s", String(rate), "-p", String(pitch), "--stdout", text], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const sox = spawn("sox", ["-q", "-t", "wav", "-", "-r", String(SAMPLE_RATE), "-c", "1", "-e", "floating-point", "-b", "32", "-t", "raw", "-"], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    espeak.stdout.pipe(sox.stdin);
    const chunks: Buffer[] = [];
    let errors = "";
    sox.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    espeak.stderr.on("data", (chunk: Buffer) => (errors += chunk.toString()));
    sox.stderr.on("data", (chunk: Buffer) => (errors += chunk.toString()));
    const exited = (child: ChildProcess) =>
      new Promise<number | null>((done, fail) => {
        child.on("error", fail);
        child.on("close", done);
      });
    Promise.all([exited(espeak), exited(sox)]).then(([espeakStatus, soxStatus]) => {
      if (espeakStatus !== 0 || soxStatus !== 0) {
        reject(new Error(`espeak-ng -v ${name} failed: ${errors.trim() || `exit status ${espeakStatus} and sox ${soxStatus}`}`));
        return;
      }
      const bytes = Buffer.concat(chunks);
      const copy = new Uint8Array(bytes.length - (bytes.length % 4));
      copy.set(bytes.subarray(0, copy.length));
      resolve(new Float32Array(copy.buffer));
    }, reject);
  });
}

/** Pink (Paul Kellet's filter) or brown noise with unit RMS, from a seed. */
export function coloredNoise(kind: "pink" | "brown", samples: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  const noise = new Float32Array(samples);
  let b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0, brown = 0;
  for (let i = 0; i < samples; i++) {
    const white = random() * 2 - 1;
    if (kind === "pink") {
      b0 = 0.99886 * b0 + white * 0.0555179;
      b1 = 0.99332 * b1 + white * 0.0750759;
      b2 = 0.969 * b2 + white * 0.153852;
      b3 = 0.8665 * b3 + white * 0.3104856;
      b4 = 0.55 * b4 + white * 0.5329522;
      b5 = -0.7616 * b5 - white * 0.016898;
      noise[i] = b0 + b1 + b2 + b3 + b4 + b5 + b6 + white * 0.5362;
      b6 = white * 0.115926;
    } else {
      // Leaky integration keeps brown noise from drifting away from zero.
      brown = 0.998 * brown + white * 0.05;
      noise[i] = brown;
    }
  }
  scaleToRms(noise, 1);
  return noise;
}

function rms(samples: Float32Array): number {
  let sum = 0;
  for (const sample of samples) sum += sample * sample;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

function scaleToRms(samples: Float32Array, target: number): void {
  const factor = target / (rms(samples) || 1);
  for (let i = 0; i < samples.length; i++) samples[i]! *= factor;
}

/** RMS over the 20 ms frames that carry speech: those within 30 dB of the loudest frame. */
export function activeSpeechRms(speech: Float32Array): number {
  const frame = SAMPLE_RATE / 50;
  const levels: number[] = [];
  for (let start = 0; start + frame <= speech.length; start += frame) levels.push(rms(speech.subarray(start, start + frame)));
  const loudest = Math.max(0, ...levels);
  const active = levels.filter((level) => level >= loudest * 10 ** (-30 / 20));
  return Math.sqrt(active.reduce((sum, level) => sum + level * level, 0) / Math.max(1, active.length));
}

/** Pads the speech with quiet, adds the noise floor and, when asked, noise at 10 dB SNR. */
export function buildClip(speech: Float32Array, noise: Clip["noise"], seed: number): Float32Array {
  const lead = Math.round(LEAD_SECONDS * SAMPLE_RATE);
  const clip = new Float32Array(lead + speech.length + Math.round(TAIL_SECONDS * SAMPLE_RATE));
  clip.set(speech, lead);
  const floor = coloredNoise("pink", clip.length, seed ^ 0x5eed);
  for (let i = 0; i < clip.length; i++) clip[i]! += floor[i]! * FLOOR_RMS;
  if (noise !== "none") {
    const level = activeSpeechRms(speech) * 10 ** (-NOISE_SNR_DB / 20);
    const mixed = coloredNoise(noise, clip.length, seed);
    for (let i = 0; i < clip.length; i++) clip[i]! += mixed[i]! * level;
  }
  let peak = 0;
  for (const sample of clip) peak = Math.max(peak, Math.abs(sample));
  if (peak > 0.99) for (let i = 0; i < clip.length; i++) clip[i]! *= 0.99 / peak;
  return clip;
}

/** Returns condition `index` of 24: 3 rates x 2 pitches x (phrase alone, with a command) x (clean, noisy). */
function condition(index: number) {
  const c = index % 24;
  return {
    rate: RATES[c % 3]!,
    pitch: PITCHES[Math.floor(c / 3) % 2]!,
    withCommand: Math.floor(c / 6) % 2 === 1,
    noisy: Math.floor(c / 12) % 2 === 1,
  };
}

function noiseFor(noisy: boolean, index: number): Clip["noise"] {
  if (!noisy) return "none";
  return index % 2 === 0 ? "pink" : "brown";
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

/** Lists every clip of the set, without audio. */
function planClips(phrases: string[], voices: string[], variants: string[], full: boolean): ClipSpec[] {
  const specs: ClipSpec[] = [];
  for (const phrase of phrases) {
    let index = 0;
    let commandIndex = 0;
    for (const [v, voice] of voices.entries()) {
      for (const [w, variant] of variants.entries()) {
        const conditions = full ? Array.from({ length: 24 }, (_, c) => c) : [v * variants.length + w];
        for (const c of conditions) {
          const { rate, pitch, withCommand, noisy } = condition(c);
          const command = withCommand ? COMMANDS[commandIndex++ % COMMANDS.length] : undefined;
          specs.push({
            id: `positive/${slug(phrase)}/${slug(voice)}-${slug(variant)}-${c % 24}`,
            set: "positive",
            phrase,
            command,
            text: command ? `${phrase}, ${command}` : phrase,
            voice,
            variant,
            rate,
            pitch,
            noise: noiseFor(noisy, index),
          });
          index++;
        }
      }
    }
  }

  // Negatives: each line is spoken by one voice and variant, taken in turn with the conditions.
  let turn = 0;
  const negative = (set: ClipSet, id: string, text: string): ClipSpec => {
    const { rate, pitch, noisy } = condition(turn);
    const voice = voices[turn % voices.length]!;
    const variant = variants[(turn * 7) % variants.length]!;
    turn++;
    return { id: `${set}/${id}`, set, text, voice, variant, rate, pitch, noise: noiseFor(noisy, turn) };
  };
  for (const [i, sentence] of SENTENCES.entries()) specs.push(negative("sentence", String(i), sentence));
  for (const [i, paragraph] of readingParagraphs(READING_PARAGRAPHS).entries()) {
    specs.push(negative("reading", String(i), paragraph));
  }
  const nearMisses = Object.values(NEAR_MISSES).flat();
  for (const [i, nearMiss] of nearMisses.entries()) {
    // Every near miss is spoken by every voice, with and without a command after it.
    for (const [v] of voices.entries()) {
      for (const withCommand of [false, true]) {
        const spec = negative("near-miss", `${slug(nearMiss)}-${v}-${withCommand ? "command" : "alone"}`, nearMiss);
        spec.voice = voices[v]!;
        if (withCommand) spec.text = `${nearMiss}, ${COMMANDS[(i + v) % COMMANDS.length]}`;
        specs.push(spec);
      }
    }
  }
  return specs;
}

export async function runPool<T>(items: T[], jobs: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));
}

/**
 * Generates the clips that are not cached yet and returns the dataset. The folder name carries a
 * hash of the plan, so a change of voices, text or conditions starts a new folder.
 */
export async function prepareDataset(options: DatasetOptions): Promise<Dataset> {
  const full = options.full ?? false;
  const { voices, skipped } = await englishVoices();
  if (voices.length === 0) {
    throw new RexError("TTS_FAILED", "espeak-ng could not speak with any English voice; check the espeak-ng installation");
  }
  const variants = (await listVoices("variant")).filter((file) => file.startsWith("!v/")).map((file) => file.slice(3));
  const specs = planClips(options.phrases, voices, variants, full);
  const hash = createHash("sha256").update(JSON.stringify({ DATASET_VERSION, specs })).digest("hex").slice(0, 12);
  const dir = join(options.cacheDir ?? defaultCacheDir(), `set-${hash}`);
  const manifestPath = join(dir, "manifest.json");
  if (existsSync(manifestPath)) {
    const cached = JSON.parse(await readFile(manifestPath, "utf8")) as Omit<Dataset, "dir">;
    return { ...cached, dir };
  }

  await mkdir(dir, { recursive: true });
  const clips: Clip[] = new Array(specs.length);
  let done = 0;
  await runPool(specs, options.jobs ?? 2, async (spec, index) => {
    const file = `${spec.id}.f32`;
    const path = join(dir, file);
    let samples: number;
    if (existsSync(path)) {
      samples = (await readFile(path)).length / 4;
    } else {
      const speech = await synthesize(spec.voice, spec.variant, spec.rate, spec.pitch, spec.text);
      const clip = buildClip(speech, spec.noise, index + 1);
      await mkdir(join(path, ".."), { recursive: true });
      await writeFile(`${path}.partial`, new Uint8Array(clip.buffer));
      await rename(`${path}.partial`, path);
      samples = clip.length;
    }
    clips[index] = { ...spec, file, seconds: samples / SAMPLE_RATE };
    options.onProgress?.(++done, specs.length);
  });
  const dataset = { clips, skippedVoices: skipped, voices, variants, full };
  await writeFile(manifestPath, JSON.stringify(dataset));
  return { ...dataset, dir };
}

/** Reads a clip's samples. */
export async function readClip(dataset: Dataset, clip: Clip): Promise<Float32Array> {
  return readFloat32File(join(dataset.dir, clip.file));
}

/** Reads a file of raw little-endian float32 samples, as the clip caches store them. */
export async function readFloat32File(path: string): Promise<Float32Array> {
  const bytes = await readFile(path);
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}
