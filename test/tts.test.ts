import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import t from "tap";

import { RexError, isRexError } from "../src/errors.js";
import { MAX_SPEECH_CHARS, cleanTextForSpeech } from "../src/tts/clean-text.js";
import { ESPEAK_SAMPLE_RATE, EspeakSynthesizer, decodeWavPcm16 } from "../src/tts/espeak.js";

const synthesizer = new EspeakSynthesizer();

function durationSeconds(audio: { pcm: Float32Array; sampleRate: number }): number {
  return audio.pcm.length / audio.sampleRate;
}

function rms(pcm: Float32Array): number {
  let sum = 0;
  for (const sample of pcm) sum += sample * sample;
  return pcm.length === 0 ? 0 : Math.sqrt(sum / pcm.length);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to reject");
}

/** Builds a WAV header and data the way espeak-ng writes them to a pipe, with the given size fields. */
interface WavHeaderFields {
  riffSize?: number;
  dataSize?: number;
  channels?: number;
}

function wavBytes(samples: number[], options: WavHeaderFields = {}): Buffer {
  const data = Buffer.alloc(samples.length * 2);
  samples.forEach((sample, i) => data.writeInt16LE(sample, i * 2));
  const header = Buffer.alloc(44);
  header.write("RIFF", 0, "latin1");
  header.writeUInt32LE(options.riffSize ?? 36 + data.length, 4);
  header.write("WAVEfmt ", 8, "latin1");
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(options.channels ?? 1, 22);
  header.writeUInt32LE(22050, 24);
  header.writeUInt32LE(22050 * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36, "latin1");
  header.writeUInt32LE(options.dataSize ?? data.length, 40);
  return Buffer.concat([header, data]);
}

t.test("EspeakSynthesizer hello world", async (t) => {
  const audio = await synthesizer.synthesize("hello world");

  t.equal(audio.sampleRate, ESPEAK_SAMPLE_RATE);
  t.ok(durationSeconds(audio) > 0.3, `duration ${durationSeconds(audio).toFixed(2)} s`);
  t.ok(rms(audio.pcm) > 0.01, `RMS ${rms(audio.pcm).toFixed(4)}`);
  t.ok(audio.pcm.every((sample) => sample >= -1 && sample <= 1), "samples in [-1, 1]");
});

t.test("EspeakSynthesizer rate", async (t) => {
  const text = "The quick brown fox jumps over the lazy dog.";
  const slow = await synthesizer.synthesize(text, { rate: 120 });
  const fast = await synthesizer.synthesize(text, { rate: 350 });

  t.ok(durationSeconds(slow) > durationSeconds(fast) * 1.5, `${durationSeconds(slow)} s vs ${durationSeconds(fast)} s`);
});

t.test("EspeakSynthesizer text starting with dash", async (t) => {
  for (const text of ["-v zz hello", "--help", "- minus one"]) {
    const audio = await synthesizer.synthesize(text);
    t.ok(durationSeconds(audio) > 0.2, `${JSON.stringify(text)} spoken for ${durationSeconds(audio).toFixed(2)} s`);
  }
});

t.test("EspeakSynthesizer shell metacharacters", async (t) => {
  const directory = mkdtempSync(join(tmpdir(), "rex-tts-"));
  t.teardown(() => rmSync(directory, { recursive: true, force: true }));
  const marker = join(directory, "executed");
  const texts = [
    `$(touch ${marker})`,
    `"; touch ${marker}; echo "`,
    `it's a 'quoted' "text" && touch ${marker} | cat > ${marker}`,
    "$(rm -rf /)",
  ];

  for (const text of texts) {
    const audio = await synthesizer.synthesize(text);
    t.ok(durationSeconds(audio) > 0.3, `${JSON.stringify(text)} spoken for ${durationSeconds(audio).toFixed(2)} s`);
  }
  t.notOk(existsSync(marker), "no command ran");
});

t.test("EspeakSynthesizer empty after cleaning", async (t) => {
  // A missing binary shows that no process starts for empty text.
  const missing = new EspeakSynthesizer({ binary: "/nonexistent/espeak-ng" });

  for (const text of ["", "   ", "\u0007\u0000", "😀🎉", "\u200b\n\t"]) {
    const audio = await missing.synthesize(text);
    t.equal(audio.pcm.length, 0, JSON.stringify(text));
    t.equal(audio.sampleRate, ESPEAK_SAMPLE_RATE);
  }
});

t.test("EspeakSynthesizer invalid voice", async (t) => {
  for (const voice of ["", "en us", "en-us; rm -rf /", "../en", "en.us", "x".repeat(41)]) {
    await t.rejects(synthesizer.synthesize("hello", { voice }), RangeError, JSON.stringify(voice));
  }
  t.throws(() => new EspeakSynthesizer({ voice: "en/us" }), RangeError);
});

t.test("EspeakSynthesizer invalid rate", async (t) => {
  for (const rate of [79, 501, 175.5, Number.NaN]) {
    await t.rejects(synthesizer.synthesize("hello", { rate }), RangeError, String(rate));
  }
  t.throws(() => new EspeakSynthesizer({ rate: 1000 }), RangeError);
});

t.test("EspeakSynthesizer missing binary", async (t) => {
  const missing = new EspeakSynthesizer({ binary: "/nonexistent/espeak-ng" });

  const error = await rejection(missing.synthesize("hello"));

  t.ok(isRexError(error, "TTS_FAILED"), String(error));
  t.match((error as RexError).message, /not found at "\/nonexistent\/espeak-ng"/);
  t.match((error as RexError).message, /apt-get install espeak-ng/);
});

t.test("EspeakSynthesizer unknown voice", async (t) => {
  const error = await rejection(synthesizer.synthesize("hello", { voice: "zz-unknown" }));

  t.ok(isRexError(error, "TTS_FAILED"), String(error));
  t.match((error as RexError).message, /exited with code/);
  t.match((error as RexError).message, /does not exist/);
  t.match((error as RexError).message, /espeak-ng --voices/);
});

t.test("EspeakSynthesizer abort", async (t) => {
  const controller = new AbortController();
  const text = "This sentence keeps espeak-ng busy for a while. ".repeat(40);
  // synthesize() starts the process before its first await, so this abort reaches a running process.
  const pending = synthesizer.synthesize(text, { signal: controller.signal });
  controller.abort();

  const error = await rejection(pending);

  t.equal((error as Error).name, "AbortError");
  await t.rejects(synthesizer.synthesize("hi", { signal: AbortSignal.abort() }), { name: "AbortError" });
});

t.test("cleanTextForSpeech control characters", async (t) => {
  t.equal(cleanTextForSpeech("bell\u0007 null\u0000 escape\u001b[31m red"), "bell null escape 31m red");
  t.equal(cleanTextForSpeech("line one\nline two\r\n\tend"), "line one line two end");
  t.equal(cleanTextForSpeech("zero\u200bwidth \u202eflipped"), "zerowidth flipped");
});

t.test("cleanTextForSpeech emoji and symbols", async (t) => {
  t.equal(cleanTextForSpeech("Great job 👍🏽! 🎉🎉"), "Great job !");
  t.equal(cleanTextForSpeech("family 👨‍👩‍👧 flag 🇩🇪 keycap 1️⃣"), "family flag keycap 1");
  t.equal(cleanTextForSpeech("go → there ★ now ✔"), "go there now");
  t.equal(cleanTextForSpeech("café costs $5 & 10% off"), "café costs $5 & 10% off");
});

t.test("cleanTextForSpeech markup", async (t) => {
  t.equal(cleanTextForSpeech("**Bold** and `code` and # Heading"), "Bold and code and Heading");
  t.equal(cleanTextForSpeech("Set OPENAI_BASE_URL now"), "Set OPENAI BASE URL now");
  t.equal(cleanTextForSpeech("[[h@'loU]] phonemes"), "h@'loU phonemes");
});

t.test("cleanTextForSpeech repeated characters", async (t) => {
  t.equal(cleanTextForSpeech("Nooooooo!!!!!!"), "Nooo!!!");
  t.equal(cleanTextForSpeech("wait..."), "wait...");
  t.equal(cleanTextForSpeech("a    lot   of    space"), "a lot of space");
});

t.test("cleanTextForSpeech length cap", async (t) => {
  const long = "word ".repeat(1000);
  const cleaned = cleanTextForSpeech(long);
  t.ok(cleaned.length <= MAX_SPEECH_CHARS, `length ${cleaned.length}`);
  t.ok(cleaned.endsWith("word"), "cut at a word boundary");

  const astral = "𝒜".repeat(20);
  const cut = cleanTextForSpeech(astral, 5);
  t.equal(cut, "𝒜𝒜", "no lone surrogate");
});

t.test("decodeWavPcm16 pipe sizes", async (t) => {
  const samples = [0, 16384, -32768, 32767];
  for (const sizes of [{ riffSize: 0xffffffff, dataSize: 0xffffffff }, { riffSize: 0, dataSize: 0 }, {}]) {
    const audio = decodeWavPcm16(wavBytes(samples, sizes));
    t.equal(audio.sampleRate, 22050);
    t.same(Array.from(audio.pcm), [0, 0.5, -1, 32767 / 32768], JSON.stringify(sizes));
  }
});

t.test("decodeWavPcm16 odd trailing byte", async (t) => {
  const bytes = Buffer.concat([wavBytes([1000, 2000], { dataSize: 0xffffffff }), Buffer.from([7])]);

  t.equal(decodeWavPcm16(bytes).pcm.length, 2);
});

t.test("decodeWavPcm16 extra chunk", async (t) => {
  const plain = wavBytes([100, -100]);
  // A 3-byte chunk followed by its pad byte.
  const list = Buffer.concat([Buffer.from("LIST", "latin1"), Buffer.from([3, 0, 0, 0]), Buffer.from("abc\0")]);
  const bytes = Buffer.concat([plain.subarray(0, 36), list, plain.subarray(36)]);

  t.equal(decodeWavPcm16(bytes).pcm.length, 2);
});

t.test("decodeWavPcm16 invalid input", async (t) => {
  t.throws(() => decodeWavPcm16(Buffer.from("not a wav file at all")), { code: "TTS_FAILED" });
  t.throws(() => decodeWavPcm16(Buffer.alloc(0)), { code: "TTS_FAILED" });
  t.throws(() => decodeWavPcm16(wavBytes([1, 2], { channels: 2 })), { code: "TTS_FAILED", message: /2 channels/ });
  t.throws(() => decodeWavPcm16(wavBytes([]).subarray(0, 36)), { code: "TTS_FAILED", message: /no data chunk/ });
});
