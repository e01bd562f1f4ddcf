import t from "tap";

import { decodeAudioFile } from "../src/audio/decode.js";
import { Transcriber, type Segment } from "../src/speech/transcriber.js";
import { fixturePath, genuineModel, JFK_REFERENCE, vadModelPath } from "./helpers/fixtures.js";
import { wordErrorRate } from "./helpers/wer.js";

const transcriber = await Transcriber.load(genuineModel("tiny.en"), { useGpu: false, threads: 2, vadModelPath });
t.teardown(() => transcriber.free());
const jfk = (await decodeAudioFile(fixturePath("audio", "jfk.wav"))).pcm;

t.test("jfk.wav word error rate", async (t) => {
  const result = await transcriber.transcribe(jfk);
  const wer = wordErrorRate(JFK_REFERENCE, result.text);
  t.ok(wer <= 0.05, `WER ${(wer * 100).toFixed(1)}% is at most 5% for "${result.text}"`);
  t.equal(result.language, "en", "language is English");
  t.ok(result.segments.length > 0, "segments are returned");
  const tokens = result.segments.flatMap((segment) => segment.tokens);
  t.ok(tokens.length > 10, "segments carry tokens");
  t.ok(tokens.every((token) => token.probability > 0 && token.probability <= 1), "token probabilities are in (0, 1]");
  const last = result.segments[result.segments.length - 1];
  t.ok(last.end > 9000 && last.end <= 11100, `last segment ends near 11 s (got ${last.end} ms)`);
});

t.test("jfk.mp3 word error rate", async (t) => {
  const audio = await decodeAudioFile(fixturePath("audio", "jfk.mp3"));
  const result = await transcriber.transcribe(audio.pcm);
  const wer = wordErrorRate(JFK_REFERENCE, result.text);
  t.ok(wer <= 0.05, `WER ${(wer * 100).toFixed(1)}% is at most 5% for "${result.text}"`);
});

t.test("event loop runs during transcription", async (t) => {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  await transcriber.transcribe(jfk);
  clearInterval(timer);
  t.ok(ticks >= 5, `timer fired ${ticks} times while whisper ran`);
});

t.test("segments and progress stream", async (t) => {
  const streamed: Segment[] = [];
  const progress: number[] = [];
  const result = await transcriber.transcribe(jfk, {
    onSegment: (segment) => streamed.push(segment),
    onProgress: (percent) => progress.push(percent),
  });
  t.equal(streamed.length, result.segments.length, "every segment was streamed");
  t.same(
    streamed.map((segment) => segment.text),
    result.segments.map((segment) => segment.text),
    "streamed segments match the result",
  );
  t.ok(progress.length > 0, "progress was reported");
});

t.test("abort signal cancels transcription", async (t) => {
  const controller = new AbortController();
  const reason = new Error("stop now");
  const running = transcriber.transcribe(jfk, { signal: controller.signal });
  setTimeout(() => controller.abort(reason), 30);
  const error = await running.catch((caught: unknown) => caught);
  t.equal(error, reason, "the promise rejects with the signal's reason");
  const after = await transcriber.transcribe(jfk);
  t.ok(after.text.length > 0, "the model still works after an abort");
});

t.test("already aborted signal rejects", async (t) => {
  const error = await transcriber.transcribe(jfk, { signal: AbortSignal.abort() }).catch((caught: unknown) => caught);
  t.equal((error as Error).name, "AbortError", "rejects with the signal's AbortError");
});

t.test("concurrent calls both succeed", async (t) => {
  const [first, second] = await Promise.all([transcriber.transcribe(jfk), transcriber.transcribe(jfk)]);
  t.ok(wordErrorRate(JFK_REFERENCE, first.text) <= 0.05, "first call is accurate");
  t.equal(second.text, first.text, "second call gives the same text");
});

t.test("half-second clip transcribes", async (t) => {
  const clip = jfk.slice(Math.round(0.3 * 16000), Math.round(0.8 * 16000));
  const result = await transcriber.transcribe(clip, { language: "en" });
  t.type(result.text, "string", "a 0.5 s clip returns text instead of failing");
});

t.test("silence gives empty text", async (t) => {
  const result = await transcriber.transcribe(new Float32Array(3 * 16000));
  t.equal(result.text, "", "3 s of digital silence has no words");
});

t.test("quiet noise gives empty text", async (t) => {
  let seed = 12345;
  const noise = new Float32Array(3 * 16000).map(() => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return (seed / 2 ** 32 - 0.5) * 0.006;
  });
  const result = await transcriber.transcribe(noise);
  t.equal(result.text, "", "3 s of quiet noise has no words");
});

t.test("silence without the VAD gate", async (t) => {
  const plain = await Transcriber.load(genuineModel("tiny.en"), { useGpu: false, threads: 2 });
  t.teardown(() => plain.free());
  const result = await plain.transcribe(new Float32Array(3 * 16000));
  t.equal(result.text, "", "whisper alone does not invent a sentence for silence");
  t.equal(result.speechDetected, true, "whisper ran because no VAD was loaded");
});

t.test("invalid options are rejected", async (t) => {
  await t.rejects(transcriber.transcribe(jfk, { language: "klingon" }), RangeError, "unknown language");
  await t.rejects(transcriber.transcribe(jfk, { threads: 0 }), RangeError, "zero threads");
  await t.rejects(transcriber.transcribe(new Float64Array(10) as unknown as Float32Array), TypeError, "wrong array type");
});
