/**
 * The audio that `rex bench` transcribes: jfk.wav from the test fixtures (real speech) and
 * sentences spoken by espeak-ng, whose exact words are known. Every file is written as 16 kHz
 * mono 16-bit WAV, because nodejs-whisper converts anything else with ffmpeg, in place.
 */
import { copyFile, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

import { decodeAudioFile, EspeakSynthesizer, SAMPLE_RATE } from "../index.js";
import { writeWav16 } from "./wav.js";

/** One audio file with the words spoken in it. */
export interface BenchInput {
  id: string;
  path: string;
  /** Length in 16 kHz samples, as rex decodes the file. */
  samples: number;
  seconds: number;
  reference: string;
}

/** Reference transcript of jfk.wav. */
export const JFK_REFERENCE =
  "And so, my fellow Americans, ask not what your country can do for you, ask what you can do for your country.";

/**
 * Utterances of a set length, spoken at the espeak-ng rate that brings each close to its
 * `seconds`. "command" is the 3 s voice command of the latency goal.
 */
const TIMED_SENTENCES = [
  { id: "2s", seconds: 2, text: "Please turn off the kitchen lights." },
  { id: "command", seconds: 3, text: "Set a timer for the pasta and tell me when it is done." },
  { id: "5s", seconds: 5, text: "Remind me to water the plants in the garden and the tomatoes on the balcony before sunset." },
  {
    id: "10s",
    seconds: 10,
    text:
      "The weather today will be sunny with a light breeze from the west. The evening should stay clear " +
      "and warm, so it is a good night for a long walk by the river with the dog before dinner.",
  },
];

/** Short voice commands for the stream, spoken at espeak-ng's default rate (1.2 to 2.8 s each). */
export const STREAM_SENTENCES = [
  "What is the weather like tomorrow morning?",
  "Play some quiet music in the living room.",
  "Remind me to call my sister this evening.",
  "How long does it take to drive to the airport?",
  "Add milk and bread to the shopping list.",
  "Open the garage door.",
  "Stop the music.",
  "What time is it in London?",
  "Read me the latest news headlines.",
  "Lock the front door and turn on the porch light.",
  "Send a message to David saying I will be late.",
  "Turn the volume down a little.",
  "What is on my calendar for this afternoon?",
  "Start the coffee machine.",
  "Dim the bedroom lights to half.",
  "Tell me a short joke.",
  "Close the blinds in the office.",
  "Is it going to rain this weekend?",
  "Turn on the lights in the hallway.",
  "Please turn off the kitchen lights.",
];

/** Ids of the single-file inputs, in the order they are reported. */
export const FILE_INPUT_IDS = ["jfk", "2s", "command", "5s", "10s"] as const;

const DEFAULT_RATE = 175;
const MIN_RATE = 120;
const MAX_RATE = 260;

/** Folder of the test fixtures: REX_FIXTURES_DIR, else `shared/fixtures` beside the repository. */
export function fixturesDir(repoRoot: string): string {
  return resolve(process.env.REX_FIXTURES_DIR ?? join(repoRoot, "..", "shared", "fixtures"));
}

/**
 * Writes the requested single-file inputs and `streamCount` stream utterances into `dir`.
 * jfk.wav is copied, so nodejs-whisper never touches the fixture itself.
 */
export async function prepareInputs(
  dir: string,
  repoRoot: string,
  fileIds: readonly string[],
  streamCount: number,
): Promise<{ files: BenchInput[]; stream: BenchInput[] }> {
  const synthesizer = new EspeakSynthesizer({ voice: "en-us" });
  const files: BenchInput[] = [];
  for (const id of fileIds) {
    if (id === "jfk") {
      files.push(await copyJfk(dir, repoRoot));
      continue;
    }
    const sentence = TIMED_SENTENCES.find((entry) => entry.id === id);
    if (!sentence) throw new RangeError(`unknown bench input '${id}': use ${FILE_INPUT_IDS.join(", ")}`);
    files.push(await speakTimed(synthesizer, dir, sentence.id, sentence.text, sentence.seconds));
  }
  const stream: BenchInput[] = [];
  for (let i = 0; i < streamCount; i++) {
    const text = STREAM_SENTENCES[i % STREAM_SENTENCES.length];
    const id = `stream-${String(i + 1).padStart(2, "0")}`;
    stream.push(await speak(synthesizer, dir, id, text, DEFAULT_RATE));
  }
  return { files, stream };
}

async function copyJfk(dir: string, repoRoot: string): Promise<BenchInput> {
  const source = join(fixturesDir(repoRoot), "audio", "jfk.wav");
  if (!existsSync(source)) {
    throw new RangeError(`jfk.wav not found at ${source}: set REX_FIXTURES_DIR to the folder that contains audio/jfk.wav`);
  }
  const path = join(dir, "jfk.wav");
  await copyFile(source, path);
  const audio = await decodeAudioFile(path);
  return { id: "jfk", path, samples: audio.pcm.length, seconds: audio.pcm.length / SAMPLE_RATE, reference: JFK_REFERENCE };
}

/** Speaks `text` once at the default rate, then again at the rate that should last `seconds`. */
async function speakTimed(
  synthesizer: EspeakSynthesizer,
  dir: string,
  id: string,
  text: string,
  seconds: number,
): Promise<BenchInput> {
  const first = await speak(synthesizer, dir, id, text, DEFAULT_RATE);
  const rate = Math.round(DEFAULT_RATE * (first.seconds / seconds));
  if (Math.abs(rate - DEFAULT_RATE) <= 2) return first;
  return speak(synthesizer, dir, id, text, Math.max(MIN_RATE, Math.min(MAX_RATE, rate)));
}

async function speak(synthesizer: EspeakSynthesizer, dir: string, id: string, text: string, rate: number): Promise<BenchInput> {
  const speech = await synthesizer.synthesize(text, { rate });
  // espeak-ng speaks at 22.05 kHz. rex's decoder converts the rate, as it does for any user file.
  const sourcePath = join(dir, `${id}.source.wav`);
  await writeWav16(sourcePath, speech.pcm, speech.sampleRate);
  const audio = await decodeAudioFile(sourcePath);
  await rm(sourcePath);
  const path = join(dir, `${id}.wav`);
  await writeWav16(path, audio.pcm, SAMPLE_RATE);
  return { id, path, samples: audio.pcm.length, seconds: audio.pcm.length / SAMPLE_RATE, reference: text };
}
