/**
 * SpeechQueue's synthesis order, with a synthesizer that returns no samples, so no audio device
 * is opened. Playback through a real sink is covered by the conversation tests.
 */
import { setTimeout as sleep } from "node:timers/promises";

import t from "tap";

import { SpeechQueue } from "../src/assistant/speech-queue.js";
import type { SynthesisOptions, SynthesizedAudio, Synthesizer } from "../src/tts/types.js";

/** Records each call and how many syntheses ran at once; each takes `ms` milliseconds. */
class RecordingSynthesizer implements Synthesizer {
  readonly name = "recording";
  readonly calls: string[] = [];
  running = 0;
  maxRunning = 0;

  constructor(private readonly ms: number, private readonly failOn?: string) {}

  async synthesize(text: string, _options?: SynthesisOptions): Promise<SynthesizedAudio> {
    this.calls.push(text);
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    await sleep(this.ms);
    this.running--;
    if (text === this.failOn) throw new Error(`synthesis of '${text}' failed`);
    return { pcm: new Float32Array(0), sampleRate: 22050 };
  }
}

t.test("sentences synthesize one at a time", async (t) => {
  const synthesizer = new RecordingSynthesizer(20);
  const queue = new SpeechQueue({ synthesizer });
  for (const sentence of ["One.", "Two.", "Three."]) queue.enqueue(sentence);
  await queue.finish();
  t.same(synthesizer.calls, ["One.", "Two.", "Three."], "every sentence, in queue order");
  t.equal(synthesizer.maxRunning, 1, "never two syntheses at once");
});

t.test("stop skips later syntheses", async (t) => {
  const synthesizer = new RecordingSynthesizer(30);
  const queue = new SpeechQueue({ synthesizer });
  for (const sentence of ["One.", "Two.", "Three."]) queue.enqueue(sentence);
  await sleep(10);
  queue.stop();
  const spoken = await queue.finish();
  t.same(synthesizer.calls, ["One."], "only the sentence already in synthesis ran");
  t.equal(spoken.interrupted, true, "the reply counts as interrupted");
});

t.test("a failed synthesis does not block the next", async (t) => {
  const synthesizer = new RecordingSynthesizer(5, "Two.");
  const queue = new SpeechQueue({ synthesizer });
  for (const sentence of ["One.", "Two.", "Three."]) queue.enqueue(sentence);
  await t.rejects(queue.finish(), /synthesis of 'Two.' failed/, "finish reports the failure");
  t.same(synthesizer.calls, ["One.", "Two.", "Three."], "the sentence after the failure was still synthesized");
});
