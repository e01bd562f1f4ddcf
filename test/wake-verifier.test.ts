import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import t from "tap";

import { isRexError } from "../src/errors.js";
import { createWakeWordDetector, loadWakeVerifiers } from "../src/wake/create.js";
import { synthesize } from "../src/wake/dataset.js";
import { enroll } from "../src/wake/enroll.js";
import { OpenWakeWordDetector } from "../src/wake/openwakeword.js";
import type { WakeDetection } from "../src/wake/types.js";
import { fixturePath, repoRoot } from "./helpers/fixtures.js";
import { encodeWav } from "./helpers/wav.js";
import { defaultVerifierPath, fitVerifier, readVerifier, verifierProbability, writeVerifier, type WakeVerifier } from "../src/wake/verifier.js";

const folder = mkdtempSync(join(tmpdir(), "rex-wake-verifier-"));
t.teardown(() => rmSync(folder, { recursive: true, force: true }));

/** espeak-ng speech with a second of quiet on each side. */
async function clip(text: string, rate = 175, voice = "en-us"): Promise<Float32Array> {
  const speech = await synthesize(voice, "", rate, 50, text);
  const audio = new Float32Array(32000 + speech.length);
  audio.set(speech, 16000);
  return audio;
}

async function stream(detector: OpenWakeWordDetector, audio: Float32Array): Promise<WakeDetection[]> {
  detector.reset();
  const detections: WakeDetection[] = [];
  for (let offset = 0; offset < audio.length; offset += 1280) {
    detections.push(...(await detector.process(audio.subarray(offset, offset + 1280))));
  }
  return detections;
}

/** Feature vectors around `center` in the first dimension, with a fixed pseudo-random spread. */
function cloud(count: number, size: number, center: number, seed: number): Float32Array[] {
  let state = seed;
  const next = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) - 0.5;
  return Array.from({ length: count }, () => Float32Array.from({ length: size }, (_, j) => (j === 0 ? center : 0) + next()));
}

function verifierFrom(fitted: ReturnType<typeof fitVerifier>, window = 1): WakeVerifier {
  return {
    format: "rex-wake-verifier",
    version: 1,
    model: "hey_jarvis",
    window,
    gate: 0.001,
    threshold: 0.9,
    patience: 1,
    ...fitted,
    examples: { positive: 1, negative: 1 },
    created: new Date(0).toISOString(),
  };
}

t.test("logistic regression separates two clouds", async (t) => {
  const fitted = fitVerifier(cloud(6, 96, 2, 1), cloud(300, 96, -2, 2));
  const verifier = verifierFrom(fitted);
  const [near] = cloud(1, 96, 2, 3);
  const [far] = cloud(1, 96, -2, 4);
  t.ok(verifierProbability(verifier, near!) > 0.9, "a new point of the positive cloud scores high");
  t.ok(verifierProbability(verifier, far!) < 0.1, "a new point of the negative cloud scores low");
  t.throws(() => fitVerifier([], cloud(3, 96, 0, 5)), RangeError, "no positives");
  t.throws(() => fitVerifier(cloud(2, 96, 0, 6), cloud(2, 95, 0, 7)), RangeError, "mixed lengths");
  t.throws(() => verifierProbability(verifier, new Float32Array(5)), /expects 96 features, got 5/);
});

t.test("verifier files", async (t) => {
  const verifier = verifierFrom(fitVerifier(cloud(3, 96, 1, 8), cloud(20, 96, -1, 9)));
  const path = join(folder, "nested", "one.verifier.json");
  await writeVerifier(path, verifier);
  t.same(readVerifier(path), verifier, "written and read back unchanged");

  const missing = join(folder, "missing.json");
  t.throws(() => readVerifier(missing), { code: "WAKE_MODEL_NOT_FOUND", message: /not found: '.*missing.json'.*rex wake enroll/ });
  const broken = join(folder, "broken.json");
  writeFileSync(broken, "{ not json");
  t.throws(() => readVerifier(broken), { code: "WAKE_MODEL_LOAD_FAILED", message: /broken.json' is not valid JSON/ });
  const wrongShape = join(folder, "shape.json");
  writeFileSync(wrongShape, JSON.stringify({ ...verifier, window: 16 }));
  t.throws(() => readVerifier(wrongShape), { code: "WAKE_MODEL_LOAD_FAILED", message: /need 1536 values for a window of 16, got 96, 96, 96/ });
  const wrongField = join(folder, "field.json");
  writeFileSync(wrongField, JSON.stringify({ ...verifier, threshold: 2 }));
  t.throws(() => readVerifier(wrongField), { code: "WAKE_MODEL_LOAD_FAILED", message: /threshold: /, });
  t.equal(defaultVerifierPath("/data", "hey_jarvis"), join("/data", "wake", "hey_jarvis.verifier.json"));
});

t.test("enrollment", async (t) => {
  const [one, two, three, later, sentence, silence] = await Promise.all([
    clip("hey jarvis", 150),
    clip("hey jarvis", 175),
    clip("hey jarvis", 200),
    clip("hey jarvis, turn on the kitchen lights", 165),
    clip("the train to the city leaves at half past seven"),
    Promise.resolve(new Float32Array(48000)),
  ]);
  const bank = { voices: ["gmw/en-GB-x-rp"], variants: [""], readingParagraphs: 0, cacheDir: join(folder, "cache") };

  t.test("fits a verifier that the detector uses", async (t) => {
    const result = await enroll({ model: "hey_jarvis", recordings: [one!, two!, three!], otherSpeech: [sentence!], bank });
    const { verifier } = result;
    t.equal(verifier.model, "hey_jarvis");
    t.equal(verifier.window, 16);
    t.equal(verifier.weights.length, 16 * 96);
    t.equal(result.recordings.length, 3, "one line per recording");
    t.ok(result.recordings.every((entry) => entry.probability >= verifier.threshold), "every recording passes its own verifier");
    t.ok(result.bankFrames > 0, `${result.bankFrames} bank frames reached the gate`);

    const detector = await OpenWakeWordDetector.load(["hey_jarvis"], { verifiers: [verifier] });
    t.teardown(() => detector.close());
    const detections = await stream(detector, later!);
    t.equal(detections.length, 1, "a new recording of the same voice wakes it");
    t.ok(detections[0]!.score >= verifier.threshold, `with the verifier's probability ${detections[0]?.score}`);
    t.same(await stream(detector, sentence!), [], "the sentence does not");
  });

  t.test("rejects a verifier that rejects its own recordings", async (t) => {
    const error = await enroll({ model: "hey_jarvis", recordings: [one!, two!, three!], otherSpeech: [one!, two!, three!], bank }).catch(
      (caught: unknown) => caught,
    );
    t.ok(isRexError(error, "WAKE_ENROLL_FAILED"), "WAKE_ENROLL_FAILED");
    t.match((error as Error).message, /would reject \d of 3 recordings at threshold 0.98 over 2 frames: .*Nothing was written/);
  });

  t.test("rebuilds a damaged bank cache", async (t) => {
    const cache = join(folder, "cache");
    const [file] = readdirSync(cache).filter((name) => name.startsWith("bank-hey_jarvis-"));
    t.ok(file, "the bank is cached");
    writeFileSync(join(cache, file!), Buffer.alloc(1000));
    const result = await enroll({ model: "hey_jarvis", recordings: [one!, two!, three!], bank });
    t.ok(result.bankFrames > 0, "enrollment spoke the bank again");
    t.ok(statSync(join(cache, file!)).size > 1000, "and rewrote the cache");
  });

  t.test("rejects a model with several classes", async (t) => {
    await t.rejects(enroll({ model: "timer", recordings: [one!, two!, three!], bank }), {
      code: "WAKE_ENROLL_FAILED",
      message: /the timer model distinguishes \d+ phrases, and speaker verifiers work only with single-phrase models/,
    });
  });

  t.test("rejects a recording without the wake word", async (t) => {
    const error = await enroll({ model: "hey_jarvis", recordings: [one!, silence!, three!], names: ["a.wav", "quiet.wav", "c.wav"], bank }).catch(
      (caught: unknown) => caught,
    );
    t.ok(isRexError(error, "WAKE_ENROLL_FAILED"), "WAKE_ENROLL_FAILED");
    t.match((error as Error).message, /^quiet\.wav: the hey_jarvis model did not hear its wake word \(best score .*\)\. Record it again/);
  });

  t.test("checks its arguments", async (t) => {
    await t.rejects(enroll({ model: "hey_jarvis", recordings: [one!, two!], bank }), RangeError, "two recordings");
    const long = new Float32Array(11 * 16000);
    await t.rejects(
      enroll({ model: "hey_jarvis", recordings: [one!, two!, long], names: ["a.wav", "b.wav", "talk.wav"], bank }),
      /talk\.wav is 11\.0 s long; a recording of the wake word may last at most 10 s/,
    );
    await t.rejects(enroll({ model: "hey_jarvis", recordings: [one!, two!, [] as unknown as Float32Array], bank }), TypeError);
    await t.rejects(enroll({ model: "hey_jarvis", recordings: [one!, two!, three!], gate: 0, bank }), /gate must be between/);
    await t.rejects(enroll({ model: "hey_jarvis", recordings: [one!, two!, three!], threshold: 1.5, bank }), /threshold must be above 0 and below 1, got 1.5/);
  });
});

t.test("verifiers in the loop", async (t) => {
  const verifier = verifierFrom(fitVerifier(cloud(3, 1536, 1, 10), cloud(20, 1536, -1, 11)), 16);

  t.test("a frame the verifier rejects does not wake", async (t) => {
    const heyJarvis = await clip("hey jarvis");
    const rejecting = { ...verifier, weights: verifier.weights.map(() => 0), bias: -20 };
    const plain = await OpenWakeWordDetector.load(["hey_jarvis"]);
    const verified = await OpenWakeWordDetector.load(["hey_jarvis"], { verifiers: [rejecting] });
    t.teardown(() => Promise.all([plain.close(), verified.close()]));
    t.equal((await stream(plain, heyJarvis)).length, 1, "the classifier alone wakes");
    t.same(await stream(verified, heyJarvis), [], "with the verifier it does not");
  });

  t.test("a verifier for another model is rejected", async (t) => {
    await t.rejects(createWakeWordDetector("alexa", { verifiers: [verifier] }), {
      code: "WAKE_MODEL_LOAD_FAILED",
      message: /enrolled for 'hey_jarvis', but rex listens for alexa/,
    });
  });

  t.test("a phrase wake word takes no verifier", async (t) => {
    await t.rejects(createWakeWordDetector("hey rex", { verifiers: [verifier], vadModelPath: "unused" }), { code: "CONFIG_INVALID" });
  });

  t.test("the default file is found per model", async (t) => {
    const dataDir = join(folder, "data");
    mkdirSync(join(dataDir, "wake"), { recursive: true });
    t.same(loadWakeVerifiers("hey_jarvis", { dataDir }), [], "none before enrollment");
    await writeVerifier(defaultVerifierPath(dataDir, "hey_jarvis"), verifier);
    t.same(loadWakeVerifiers("alexa,hey_jarvis", { dataDir }), [verifier], "hey_jarvis's file");
    t.same(loadWakeVerifiers("hey rex", { dataDir }), [], "none for a phrase");
    t.throws(() => loadWakeVerifiers("hey_jarvis", { dataDir, paths: [join(folder, "none.json")] }), { code: "WAKE_MODEL_NOT_FOUND" });
    const path = defaultVerifierPath(dataDir, "hey_jarvis");
    t.throws(() => loadWakeVerifiers("alexa", { dataDir, paths: [path] }), {
      code: "WAKE_MODEL_LOAD_FAILED",
      message: /hey_jarvis\.verifier\.json' was enrolled for 'hey_jarvis', but the wake word is 'alexa'\. Set REX_WAKE_WORD=hey_jarvis/,
    });
    t.throws(() => loadWakeVerifiers("hey_jarvis", { dataDir, paths: [dataDir] }), { code: "WAKE_MODEL_LOAD_FAILED", message: /is not a file/ });
  });
});

t.test("rex wake enroll rejects bad input", async (t) => {
  const cli = join(repoRoot, "dist", "cli", "main.js");
  const env = { ...process.env, REX_DATA_DIR: join(folder, "cli-data"), REX_LOG_LEVEL: "warn" };
  const rex = (...args: string[]) => spawnSync(process.execPath, [cli, "wake", "enroll", ...args], { encoding: "utf8", env, timeout: 60_000 });
  const wav = fixturePath("audio", "jfk.wav");
  const quiet = join(folder, "quiet.wav");
  const [quiet2, quiet3] = [join(folder, "quiet2.wav"), join(folder, "quiet3.wav")];
  for (const path of [quiet, quiet2, quiet3]) {
    writeFileSync(path, encodeWav({ samples: [new Float32Array(32000)], sampleRate: 16000, format: "pcm16" }));
  }
  const cases: Array<[string[], number, RegExp]> = [
    [[wav, wav], 2, /at least 3 recordings of the wake word, got 2/],
    [["--model", "hey rex", quiet, quiet2, quiet3], 2, /--model must be an openWakeWord model \(hey_jarvis, alexa, .*\) or an \.onnx file, got 'hey rex'/],
    [["--out", "a:b.json", quiet, quiet2, quiet3], 2, /contains ':', which separates paths in REX_WAKE_VERIFIERS/],
    [["--out", join(wav, "v.json"), quiet, quiet2, quiet3], 2, /is not a writable folder; choose another --out/],
    [["--device", "mic", quiet, quiet2, quiet3], 2, /--device applies only with --record/],
    [[quiet, wav, quiet], 2, /quiet\.wav' is given twice; enrollment needs separate recordings/],
    [["--threshold", "2", quiet, quiet2, quiet3], 2, /--threshold must be a decimal above 0 and below 1, such as 0.99, got '2'/],
    [["--record", "3", wav], 2, /as files or use --record, not both/],
    [["--bank-voices", " , ", quiet, quiet2, quiet3], 2, /--bank-voices needs at least one espeak-ng voice/],
    [["--out", folder, quiet, quiet2, quiet3], 2, /--out must name a file, but '.*' is a folder/],
    [[quiet, quiet2, join(folder, "no such.wav")], 1, /audio file not found: '.*no such\.wav'/],
    [[wav, quiet, quiet2], 2, /jfk\.wav is 11\.0 s long; a recording of the wake word may last at most 10 s/],
    [[quiet, quiet2, quiet3], 1, /quiet\.wav: the hey_jarvis model did not hear its wake word/],
  ];
  for (const [args, status, message] of cases) {
    const result = rex(...args);
    t.equal(result.status, status, `${args.join(" ")}: exit status ${status}`);
    t.match(result.stderr, message, "names the problem");
    t.notMatch(result.stderr, /\n\s+at /, "no stack trace");
  }
});
