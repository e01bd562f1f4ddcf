import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import t from "tap";

import { decodeAudioFile } from "../src/audio/decode.js";
import { Endpointer, type EndpointEvent, type EndpointerOptions } from "../src/audio/endpointer.js";
import { loadVad } from "../src/audio/vad.js";
import { vadModelPath } from "./helpers/fixtures.js";

const RATE = 16000;
const vad = await loadVad(vadModelPath);
const dir = mkdtempSync(join(tmpdir(), "rex-endpoint-"));
t.teardown(() => {
  vad.free();
  rmSync(dir, { recursive: true, force: true });
});

async function speak(text: string): Promise<Float32Array> {
  const path = join(dir, `${text.replace(/\W+/g, "_")}.wav`);
  execFileSync("espeak-ng", ["-v", "en-us", "-w", path, "--", text]);
  return (await decodeAudioFile(path)).pcm;
}

function silence(seconds: number): Float32Array {
  return new Float32Array(Math.round(seconds * RATE));
}

function concat(...parts: Float32Array[]): Float32Array {
  const joined = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

interface Timed {
  event: EndpointEvent;
  /** Samples fed when the event arrived, counting the frame that caused it. */
  fedSamples: number;
}

async function run(audio: Float32Array, options: Partial<EndpointerOptions> = {}): Promise<Timed[]> {
  vad.reset();
  const endpointer = new Endpointer(vad, options);
  const events: Timed[] = [];
  for (let offset = 0; offset + 512 <= audio.length; offset += 512) {
    for (const event of await endpointer.push(audio.subarray(offset, offset + 512))) {
      events.push({ event, fedSamples: offset + 512 });
    }
  }
  return events;
}

t.test("short command at the start", async (t) => {
  const word = await speak("stop");
  const events = await run(concat(word, silence(2.5)));
  t.equal(events.length, 2, "one speech start and one speech end");
  const [start, end] = events;
  t.equal(start.event.type, "speechStart", "the first event is speechStart");
  t.equal(end.event.type, "speechEnd", "the second event is speechEnd");
  t.ok(start.event.sample < 0.3 * RATE, `speech starts in the first 300 ms (at ${start.event.sample})`);
  const delayMs = ((end.fedSamples - word.length) / RATE) * 1000;
  t.ok(delayMs < 2000, `the endpoint comes ${delayMs.toFixed(0)} ms after the word's audio ends, under 2 s`);
});

t.test("utterance is speech plus pre-roll", async (t) => {
  const lead = silence(1);
  const speech = await speak("turn on the kitchen lights");
  const audio = concat(lead, speech, silence(1.5));
  const preRollMs = 300;
  const events = await run(audio, { preRollMs });
  const start = events.find((timed) => timed.event.type === "speechStart")!.event;
  const end = events.find((timed) => timed.event.type === "speechEnd")!.event;
  if (end.type !== "speechEnd") throw new Error("no speech end");
  const firstSample = end.sample - end.utterance.length;
  t.ok(start.sample - firstSample >= (preRollMs / 1000) * RATE, "at least 300 ms of pre-roll is kept");
  t.ok(start.sample - firstSample < (preRollMs / 1000) * RATE + 512, "pre-roll is at most one frame longer than 300 ms");
  t.same(end.utterance, audio.subarray(firstSample, end.sample), "the utterance is the input from pre-roll start to speech end");
  t.ok(start.sample >= lead.length - 0.2 * RATE, `speech starts near the end of the lead silence (at ${start.sample})`);
});

t.test("pause splits two sentences", async (t) => {
  const first = await speak("what is the weather");
  const second = await speak("and what time is it");
  const events = await run(concat(silence(0.5), first, silence(1.5), second, silence(1.5)));
  const ends = events.filter((timed) => timed.event.type === "speechEnd");
  t.equal(ends.length, 2, "each sentence ends its own utterance");
});

t.test("silence gives no segment", async (t) => {
  t.same(await run(silence(3)), [], "no events for 3 s of digital silence");
});

t.test("steady noise gives no segment", async (t) => {
  let seed = 7;
  const noise = new Float32Array(3 * RATE).map(() => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return (seed / 2 ** 32 - 0.5) * 0.02;
  });
  t.same(await run(noise), [], "no events for 3 s of white noise");
  const hum = new Float32Array(3 * RATE).map((_, i) => 0.2 * Math.sin((2 * Math.PI * 120 * i) / RATE));
  t.same(await run(hum), [], "no events for 3 s of a 120 Hz hum");
});

t.test("long speech is cut at the maximum", async (t) => {
  const speech = await speak("one two three four five six seven eight nine ten eleven twelve thirteen fourteen");
  const events = await run(concat(speech, silence(1)), { maxUtteranceSeconds: 2 });
  const ends = events.filter((timed) => timed.event.type === "speechEnd").map((timed) => timed.event);
  t.ok(ends.length >= 2, `long speech is split into several utterances (got ${ends.length})`);
  const first = ends[0];
  if (first.type !== "speechEnd") throw new Error("no speech end");
  t.equal(first.reason, "maxLength", "the first cut is for length");
  t.ok(first.utterance.length <= 2 * RATE + 512, "the first utterance is at most 2 s");
});
