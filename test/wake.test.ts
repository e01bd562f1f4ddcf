import { writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import t from "tap";

import { isRexError } from "../src/errors.js";
import { createWakeWordDetector } from "../src/wake/create.js";
import { synthesize } from "../src/wake/dataset.js";
import { OpenWakeWordDetector } from "../src/wake/openwakeword.js";
import { guidedScore, PHRASE_DEFAULT_THRESHOLDS, phraseVariants } from "../src/wake/phrase-spotter.js";
import { Transcriber } from "../src/speech/transcriber.js";
import { matchPhraseAtStart, phoneticKey, textAfter } from "../src/wake/phonetic.js";
import type { WakeDetection, WakeScore, WakeWordDetector } from "../src/wake/types.js";
import { genuineModel, vadModelPath } from "./helpers/fixtures.js";

/** Speech from espeak-ng, at `rate` words per minute, between `before` and `after` seconds of quiet. */
async function clip(text: string, voice = "en-us", rate = 175, before = 1, after = 1): Promise<Float32Array> {
  const speech = await synthesize(voice, "", rate, 50, text);
  const audio = new Float32Array(Math.round((before + after) * 16000) + speech.length);
  audio.set(speech, Math.round(before * 16000));
  return audio;
}

/** Feeds `audio` to `detector` in chunks of `chunk` samples and gathers the detections. */
async function stream(detector: WakeWordDetector, audio: Float32Array, chunk = 1280): Promise<WakeDetection[]> {
  const detections: WakeDetection[] = [];
  for (let offset = 0; offset < audio.length; offset += chunk) {
    detections.push(...(await detector.process(audio.subarray(offset, offset + chunk))));
  }
  return detections;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to reject");
}

const [heyJarvis, sentence, alexa, heyRexCommand] = await Promise.all([
  clip("hey jarvis"),
  clip("the weather today is quite nice, let us go for a walk outside"),
  clip("alexa"),
  // tiny.en transcribes this voice at this rate as "Hey Rex"; many other espeak-ng voices come out as "Hey Max".
  clip("hey rex, what time is it", "en", 140),
]);

t.test("openWakeWord engine", async (t) => {
  const scores: WakeScore[] = [];
  const detector = await createWakeWordDetector("hey_jarvis", { onScore: (score) => scores.push(score) });
  t.teardown(() => detector.close());

  t.test("hey jarvis wakes", async (t) => {
    detector.reset();
    const detections = await stream(detector, heyJarvis);
    t.equal(detections.length, 1, "one detection");
    t.equal(detections[0]?.phrase, "hey_jarvis", "names the model");
    t.ok(detections[0]!.score >= 0.5, `score ${detections[0]?.score} reaches the threshold`);
    t.ok(detections[0]!.sample > 16000 && detections[0]!.sample <= heyJarvis.length, "sample lies after the speech starts");
  });

  t.test("ordinary speech does not wake", async (t) => {
    detector.reset();
    t.same(await stream(detector, sentence), [], "no detection");
  });

  t.test("chunk size keeps scores", async (t) => {
    const scoresFor = async (chunk: number) => {
      detector.reset();
      scores.length = 0;
      await stream(detector, heyJarvis, chunk);
      return scores.map((score) => [score.sample, score.score]);
    };
    const byFrame = await scoresFor(1280);
    const byOddChunk = await scoresFor(1000);
    t.equal(byFrame.length, Math.floor(heyJarvis.length / 1280), "one score per 80 ms frame");
    t.same(byOddChunk, byFrame, "1000-sample chunks give the same scores as 1280-sample chunks");
  });

  t.test("reset restarts the sample count", async (t) => {
    detector.reset();
    const first = await stream(detector, heyJarvis);
    detector.reset();
    const second = await stream(detector, heyJarvis);
    t.same(second, first, "the same clip gives the same detection after reset");
  });
});

t.test("refractory period", async (t) => {
  const twice = new Float32Array(heyJarvis.length * 2);
  twice.set(heyJarvis);
  twice.set(heyJarvis, heyJarvis.length);
  const short = await OpenWakeWordDetector.load(["hey_jarvis"], { refractorySeconds: 0.5 });
  const long = await OpenWakeWordDetector.load(["hey_jarvis"], { refractorySeconds: 10 });
  t.teardown(async () => {
    await short.close();
    await long.close();
  });
  t.equal((await stream(short, twice)).length, 2, "two phrases 3 s apart wake twice");
  t.equal((await stream(long, twice)).length, 1, "a 10 s refractory period keeps the second silent");
});

t.test("several models at once", async (t) => {
  const detector = await createWakeWordDetector("hey_jarvis,alexa");
  t.teardown(() => detector.close());
  t.same(detector.phrases, ["hey_jarvis", "alexa"], "both models load");
  const detections = await stream(detector, alexa);
  t.same(
    detections.map((detection) => detection.phrase),
    ["alexa"],
    "alexa wakes only the alexa model",
  );
});

t.test("model errors", async (t) => {
  const unknown = await rejection(createWakeWordDetector("hey_jarvs"));
  t.ok(isRexError(unknown, "WAKE_MODEL_NOT_FOUND"), "a misspelt model name is WAKE_MODEL_NOT_FOUND");
  t.match((unknown as Error).message, /'hey_jarvs'.*hey_jarvis/, "the message names the value and the known models");

  const dir = mkdtempSync(join(tmpdir(), "rex-wake-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const broken = join(dir, "broken.onnx");
  writeFileSync(broken, "not an onnx model");
  const loadFailure = await rejection(createWakeWordDetector(broken));
  t.ok(isRexError(loadFailure, "WAKE_MODEL_LOAD_FAILED"), "a file that is not ONNX is WAKE_MODEL_LOAD_FAILED");
  t.match((loadFailure as Error).message, /broken\.onnx/, "the message names the file");

  const missing = await rejection(createWakeWordDetector(join(dir, "missing.onnx")));
  t.ok(isRexError(missing, "WAKE_MODEL_NOT_FOUND"), "a missing .onnx file is WAKE_MODEL_NOT_FOUND");

  await t.rejects(createWakeWordDetector("hey_jarvis", { threshold: 2 }), RangeError, "a threshold above 1 is a RangeError");
  await t.rejects(createWakeWordDetector("hey rex"), TypeError, "a phrase without a VAD model is a TypeError");
  await t.rejects(createWakeWordDetector("hey r3x", { vadModelPath }), RangeError, "a phrase with digits is a RangeError");
});

t.test("phrase engine with transcript scoring", async (t) => {
  const detector = await createWakeWordDetector("hey rex", { whisperModelPath: genuineModel("tiny.en"), vadModelPath, scoring: "transcript" });
  t.teardown(() => detector.close());
  t.equal(detector.engine, "phrase", "a phrase selects the phrase engine");

  t.test("hey rex with a command", async (t) => {
    detector.reset();
    const detections = await stream(detector, heyRexCommand);
    t.equal(detections.length, 1, "one detection");
    const detection = detections[0]!;
    t.equal(detection.phrase, "hey rex", "names the phrase");
    t.match(detection.command ?? "", /^what time is it\??$/i, `command is the rest of the utterance (got "${detection.command}")`);
    t.ok(detection.sample > 16000, "the phrase ends after the speech starts");
    t.ok(detection.commandEndSample! > detection.sample, "the command ends after the phrase");
  });

  t.test("other speech does not wake", async (t) => {
    detector.reset();
    t.same(await stream(detector, sentence), [], "no detection");
  });
});

t.test("phrase engine with guided scoring", async (t) => {
  const scores: WakeScore[] = [];
  const detector = await createWakeWordDetector("hey rex", {
    whisperModelPath: genuineModel("tiny.en"),
    vadModelPath,
    scoring: "guided",
    onScore: (score) => scores.push(score),
  });
  t.teardown(() => detector.close());

  t.test("hey rex with a command", async (t) => {
    const detections = await stream(detector, heyRexCommand);
    t.equal(detections.length, 1, "one detection");
    t.ok(scores[0]!.score >= PHRASE_DEFAULT_THRESHOLDS.guided, `the utterance scores at least the default threshold (got ${scores[0]!.score})`);
    t.ok(scores[0]!.score <= 1, "the score is at most 1");
    t.match(detections[0]!.command ?? "", /^what time is it\??$/i, `command is the rest of the utterance (got "${detections[0]!.command}")`);
  });

  t.test("other speech does not wake", async (t) => {
    detector.reset();
    t.same(await stream(detector, sentence), [], "no detection");
  });
});

t.test("guided phrase scores", async (t) => {
  const transcriber = await Transcriber.load(genuineModel("tiny.en"), { threads: 1 });
  t.teardown(() => transcriber.free());
  const transcript = await transcriber.transcribe(heyRexCommand, { fitAudioContext: true, scorePhrases: [" Hey Rex", " Good morning"] });
  const [phrase, other] = transcript.phraseScores ?? [];
  t.equal(transcript.phraseScores?.length, 2, "one score per phrase");
  t.equal(phrase?.phrase, " Hey Rex", "scores keep the order of the phrases");
  t.ok(phrase!.tokens >= 1, "the phrase has tokens");
  t.ok(phrase!.logProbabilityBelowBest <= 0, "a phrase cannot beat whisper's first choices");
  t.ok(phrase!.logProbability <= phrase!.logProbabilityBelowBest, "log probability is at most its distance below the best");
  t.ok(phrase!.logProbability > other!.logProbability, `the spoken phrase is more likely than another (${phrase!.logProbability} > ${other!.logProbability})`);
  t.ok(transcript.timings.scoreMs > 0, "scoring time is reported");
  t.equal((await transcriber.transcribe(heyRexCommand)).phraseScores, undefined, "no phrases, no scores");

  const invalid: Array<[unknown, string]> = [
    ["Hey Rex", "a string instead of an array"],
    [[], "an empty array"],
    [[""], "an empty phrase"],
    [[" Hey Rex", 7], "a number in the array"],
    [Array.from({ length: 17 }, () => " Hey"), "17 phrases"],
    [["x".repeat(201)], "a phrase of 201 bytes"],
  ];
  for (const [scorePhrases, what] of invalid) {
    await t.rejects(transcriber.transcribe(heyRexCommand, { scorePhrases: scorePhrases as string[] }), /expected 1 to 16 phrases/, `${what} is rejected`);
  }
  t.equal(guidedScore([{ phrase: " a", tokens: 2, logProbability: -3, logProbabilityBelowBest: 0 }]), 1, "first choices score 1");
  t.equal(guidedScore(undefined), 0, "no scores score 0");
});

t.test("phrase variants", async (t) => {
  t.same(phraseVariants("hey rex"), [" Hey rex", " Hey, rex", " Hey Rex", " Hey, Rex", " hey rex", " hey, rex"], "capitals and a comma after the first word");
  t.same(phraseVariants("jarvis"), [" Jarvis", " jarvis"], "one word has no comma");
});

t.test("phonetic matching", async (t) => {
  t.equal(phoneticKey("wrecks"), phoneticKey("Rex"), "wrecks and rex share a key");
  t.not(phoneticKey("rocks"), phoneticKey("rex"), "rocks and rex differ");
  t.equal(phoneticKey("Hey,"), phoneticKey("hay"), "punctuation and spelling of hey do not matter");

  const match = matchPhraseAtStart("hey rex", "Hey, Rex! What time is it?");
  t.equal(match.score, 1, "an exact phrase scores 1");
  t.equal(textAfter("Hey, Rex! What time is it?", match), "What time is it?", "the rest is the command");
  t.equal(matchPhraseAtStart("hey rex", "Oh, hey Rex.").score, 1, "a leading filler word is skipped");
  t.ok(matchPhraseAtStart("hey rex", "Heyrex, stop.").score >= 0.8, "joined words still match");
  t.ok(matchPhraseAtStart("hey rex", "Rex is a dog's name").score < 0.8, "the phrase must start the utterance");
  t.ok(matchPhraseAtStart("hey rex", "hey rocks").score < 1, "a near miss scores below an exact match");
});
