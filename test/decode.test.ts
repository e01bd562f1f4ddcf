import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import t, { type Test } from "tap";

import { decodeAudioFile, SAMPLE_RATE } from "../src/audio/decode.js";
import { RexError } from "../src/errors.js";
import { fixturePath } from "./helpers/fixtures.js";
import { bitsPerSample, dataSizeOffset, encodeWav, sine, type WavFormat, withDataSize } from "./helpers/wav.js";

const SINE_RMS = 0.5 / Math.SQRT2;

// Edges left out of level and spectrum measurements: the sine starts and stops abruptly, and the
// resampler's filter spreads each edge over a few milliseconds.
const EDGE_SECONDS = 0.06;

function makeTempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), "rex-decode-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function writeWav(dir: string, name: string, wav: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, wav);
  return path;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to reject");
}

/** Returns the part of `pcm` (at 16 kHz) without EDGE_SECONDS at each end. */
function steadyPart(pcm: Float32Array): Float32Array {
  const edge = Math.round(EDGE_SECONDS * SAMPLE_RATE);
  return pcm.subarray(edge, pcm.length - edge);
}

function rms(pcm: Float32Array): number {
  let sum = 0;
  for (const sample of pcm) sum += sample * sample;
  return pcm.length === 0 ? 0 : Math.sqrt(sum / pcm.length);
}

function decibels(ratio: number): number {
  return 20 * Math.log10(ratio);
}

/**
 * Estimates the frequency in Hz of a sine sampled at `rate` from its rising zero crossings, each
 * placed between samples by linear interpolation.
 */
function zeroCrossingFrequency(pcm: Float32Array, rate: number): number {
  let first = -1;
  let last = -1;
  let count = 0;
  for (let i = 1; i < pcm.length; i++) {
    if (pcm[i - 1] < 0 && pcm[i] >= 0) {
      const position = i - 1 + pcm[i - 1] / (pcm[i - 1] - pcm[i]);
      if (first < 0) first = position;
      last = position;
      count++;
    }
  }
  return count < 2 ? 0 : ((count - 1) * rate) / (last - first);
}

interface SineFit {
  amplitude: number;
  /** Phase φ in radians of amplitude · sin(ωn + φ), where n counts samples from the start of `pcm`. */
  phase: number;
  /** RMS of what is left after subtracting the fitted sine and DC offset. */
  residualRms: number;
}

/** Fits a·sin + b·cos + c at `frequency` Hz to `pcm` (at 16 kHz) by least squares. */
function fitSine(pcm: Float32Array, frequency: number): SineFit {
  const omega = (2 * Math.PI * frequency) / SAMPLE_RATE;
  const basis = (n: number): [number, number, number] => [Math.sin(omega * n), Math.cos(omega * n), 1];

  // Normal equations: (Bᵀ B) x = Bᵀ y for the three basis functions.
  const matrix = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  const rhs = [0, 0, 0];
  for (let n = 0; n < pcm.length; n++) {
    const row = basis(n);
    for (let i = 0; i < 3; i++) {
      rhs[i] += row[i] * pcm[n];
      for (let j = 0; j < 3; j++) matrix[i][j] += row[i] * row[j];
    }
  }
  const [a, b, c] = solveLinear3x3(matrix, rhs);

  let residual = 0;
  for (let n = 0; n < pcm.length; n++) {
    const [s, k] = basis(n);
    const error = pcm[n] - (a * s + b * k + c);
    residual += error * error;
  }
  return { amplitude: Math.hypot(a, b), phase: Math.atan2(b, a), residualRms: Math.sqrt(residual / pcm.length) };
}

// Solves a 3×3 linear system by Gaussian elimination with partial pivoting.
function solveLinear3x3(matrix: number[][], rhs: number[]): number[] {
  const m = matrix.map((row, i) => [...row, rhs[i]]);
  for (let col = 0; col < 3; col++) {
    let pivot = col;
    for (let row = col + 1; row < 3; row++) if (Math.abs(m[row][col]) > Math.abs(m[pivot][col])) pivot = row;
    [m[col], m[pivot]] = [m[pivot], m[col]];
    for (let row = col + 1; row < 3; row++) {
      const factor = m[row][col] / m[col][col];
      for (let k = col; k < 4; k++) m[row][k] -= factor * m[col][k];
    }
  }
  const x = [0, 0, 0];
  for (let row = 2; row >= 0; row--) {
    let sum = m[row][3];
    for (let k = row + 1; k < 3; k++) sum -= m[row][k] * x[k];
    x[row] = sum / m[row][row];
  }
  return x;
}

/**
 * Returns the lag within ±`maxLag` samples at which `a` best matches `b`, and the normalized
 * correlation there (1 for identical waveforms).
 */
function bestCorrelation(a: Float32Array, b: Float32Array, maxLag: number): { lag: number; correlation: number } {
  let best = { lag: 0, correlation: -Infinity };
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    let product = 0;
    let energyA = 0;
    let energyB = 0;
    for (let i = Math.max(0, -lag); i < b.length && i + lag < a.length; i++) {
      product += a[i + lag] * b[i];
      energyA += a[i + lag] * a[i + lag];
      energyB += b[i] * b[i];
    }
    const correlation = product / Math.sqrt(energyA * energyB);
    if (correlation > best.correlation) best = { lag, correlation };
  }
  return best;
}

function maxAbsDifference(actual: Float32Array, expected: Float32Array): number {
  let max = 0;
  for (let i = 0; i < Math.min(actual.length, expected.length); i++) {
    max = Math.max(max, Math.abs(actual[i] - expected[i]));
  }
  return max;
}

// Deterministic bytes from a 32-bit xorshift generator, so a failure reproduces.
function pseudoRandomBytes(count: number, seed: number): Buffer {
  const bytes = Buffer.alloc(count);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    bytes[i] = state & 0xff;
  }
  return bytes;
}

const FORMATS: WavFormat[] = ["pcm8", "pcm16", "pcm24", "pcm32", "float32", "float64"];

for (const format of FORMATS) {
  t.test(`${format} mono at 16 kHz`, async (t) => {
    const dir = makeTempDir(t);
    const source = sine(440, 1, 16000, 0.5);
    const path = writeWav(dir, `${format}.wav`, encodeWav({ samples: [source], sampleRate: 16000, format }));

    const audio = await decodeAudioFile(path);

    t.equal(audio.pcm.length, source.length, "16 kHz input keeps its sample count");
    t.equal(audio.sourceRate, 16000, "sourceRate is the file's rate");
    t.equal(audio.sourceChannels, 1, "sourceChannels is 1");
    const levelError = decibels(rms(audio.pcm) / SINE_RMS);
    t.ok(Math.abs(levelError) <= 1, `RMS is within 1 dB of 0.5/√2 (off by ${levelError.toFixed(4)} dB)`);

    // An integer sample is off by up to half a step from rounding, plus the difference between the
    // writer's scale (2^(bits-1) - 1) and the decoder's. miniaudio 0.11 also maps the 8-bit zero
    // code 128 to 1/255, not 0. Two steps bound both. At 8 bits that allows 1/64, which is loose
    // because the format is coarse, but a byte-order or sign error is off by far more.
    // Float samples come back exact to float32.
    const bits = bitsPerSample(format);
    const tolerance = format.startsWith("float") ? 1e-7 : Math.max(2 / 2 ** (bits - 1), 1e-6);
    const error = maxAbsDifference(audio.pcm, source);
    t.ok(error <= tolerance, `samples match the source within ${tolerance} (max error ${error})`);
  });
}

const RATES = [8000, 11025, 22050, 32000, 44100, 48000, 96000];

for (const rate of RATES) {
  t.test(`1 kHz sine at ${rate} Hz`, async (t) => {
    const dir = makeTempDir(t);
    // A length that is not a whole number of output samples checks the rounding.
    const source = sine(1000, 1.2345, rate, 0.5);
    const path = writeWav(dir, `sine-${rate}.wav`, encodeWav({ samples: [source], sampleRate: rate, format: "float32" }));

    const audio = await decodeAudioFile(path);

    const expectedLength = Math.round((source.length * SAMPLE_RATE) / rate);
    t.ok(
      Math.abs(audio.pcm.length - expectedLength) <= 1,
      `length is round(${source.length} * 16000 / ${rate}) = ${expectedLength} ± 1 (got ${audio.pcm.length})`,
    );
    t.equal(audio.sourceRate, rate, "sourceRate is the file's rate");
    const steady = steadyPart(audio.pcm);
    const levelError = decibels(rms(steady) / SINE_RMS);
    t.ok(Math.abs(levelError) <= 0.5, `level is within 0.5 dB (off by ${levelError.toFixed(4)} dB)`);
    const frequency = zeroCrossingFrequency(steady, SAMPLE_RATE);
    t.ok(Math.abs(frequency - 1000) <= 1, `frequency is 1000 ± 1 Hz (got ${frequency.toFixed(3)} Hz)`);

    // Output sample k must hold the input at time k / 16000 s. The source sine has phase 0 at
    // time 0, so the fitted phase over the whole output is the timing error. 1 µs is 1/62.5 of an
    // output sample.
    const fit = fitSine(audio.pcm, 1000);
    const offsetMicroseconds = (fit.phase / (2 * Math.PI * 1000)) * 1e6;
    t.ok(
      Math.abs(offsetMicroseconds) <= 1,
      `output is aligned with the input within 1 µs (off by ${offsetMicroseconds.toFixed(3)} µs)`,
    );
  });
}

t.test("stereo opposite channels cancel", async (t) => {
  const dir = makeTempDir(t);
  const left = sine(440, 1, 16000, 0.5);
  const right = left.map((sample) => -sample);
  const path = writeWav(dir, "opposite.wav", encodeWav({ samples: [left, right], sampleRate: 16000, format: "float32" }));

  const audio = await decodeAudioFile(path);

  t.equal(audio.sourceChannels, 2, "sourceChannels is 2");
  t.equal(audio.pcm.length, left.length, "length is the frame count");
  const level = rms(audio.pcm);
  t.ok(level <= 1e-6, `L = s and R = -s average to silence (RMS ${level})`);
});

t.test("stereo one channel halves", async (t) => {
  const dir = makeTempDir(t);
  const left = sine(440, 1, 16000, 0.5);
  const right = new Float32Array(left.length);
  const path = writeWav(dir, "left-only.wav", encodeWav({ samples: [left, right], sampleRate: 16000, format: "float32" }));

  const audio = await decodeAudioFile(path);

  const ratio = rms(audio.pcm) / rms(left);
  t.ok(Math.abs(ratio - 0.5) <= 1e-4, `L = s and R = 0 give half the amplitude (ratio ${ratio})`);
});

t.test("six channels average to 1/6", async (t) => {
  const dir = makeTempDir(t);
  const active = sine(440, 1, 16000, 0.6);
  const silent = new Float32Array(active.length);
  const channels = [silent, silent, active, silent, silent, silent];
  const path = writeWav(dir, "six.wav", encodeWav({ samples: channels, sampleRate: 16000, format: "pcm16" }));

  const audio = await decodeAudioFile(path);

  t.equal(audio.sourceChannels, 6, "sourceChannels is 6");
  const ratio = rms(audio.pcm) / rms(active);
  t.ok(Math.abs(ratio - 1 / 6) <= 1e-3, `one active channel of six gives 1/6 of its amplitude (ratio ${ratio})`);
});

// Tones above the 8 kHz output Nyquist rate must be filtered out, not folded back into the band.
const ALIAS_CASES = [
  { rate: 48000, frequency: 12000 },
  { rate: 44100, frequency: 11000 },
  { rate: 48000, frequency: 8500 },
  { rate: 32000, frequency: 9000 },
  { rate: 22050, frequency: 10000 },
  { rate: 96000, frequency: 20000 },
];

for (const { rate, frequency } of ALIAS_CASES) {
  t.test(`${frequency / 1000} kHz at ${rate} Hz is removed`, async (t) => {
    const dir = makeTempDir(t);
    const source = sine(frequency, 1, rate, 0.5);
    const path = writeWav(dir, "alias.wav", encodeWav({ samples: [source], sampleRate: rate, format: "float32" }));

    const audio = await decodeAudioFile(path);

    const attenuation = -decibels(rms(steadyPart(audio.pcm)) / SINE_RMS);
    t.ok(attenuation >= 40, `attenuation is at least 40 dB (got ${attenuation.toFixed(1)} dB)`);
  });
}

for (const rate of [48000, 44100]) {
  t.test(`SINAD of 1 kHz at ${rate} Hz`, async (t) => {
    const dir = makeTempDir(t);
    const source = sine(1000, 1, rate, 0.5);
    const path = writeWav(dir, "sinad.wav", encodeWav({ samples: [source], sampleRate: rate, format: "float32" }));

    const audio = await decodeAudioFile(path);

    const fit = fitSine(steadyPart(audio.pcm), 1000);
    const sinad = decibels(fit.amplitude / Math.SQRT2 / fit.residualRms);
    t.ok(sinad >= 60, `SINAD is at least 60 dB (got ${sinad.toFixed(1)} dB)`);
    const levelError = decibels(fit.amplitude / 0.5);
    t.ok(Math.abs(levelError) <= 0.05, `fitted amplitude is 0.5 within 0.05 dB (off by ${levelError.toFixed(4)} dB)`);
  });
}

t.test("FLAC from the flac tool", async (t) => {
  const dir = makeTempDir(t);
  const left = sine(1000, 1, 44100, 0.5);
  const right = sine(1000, 1, 44100, 0.5);
  const wavPath = writeWav(dir, "source.wav", encodeWav({ samples: [left, right], sampleRate: 44100, format: "pcm16" }));
  const flacPath = join(dir, "source.flac");
  execFileSync("flac", ["--silent", "--force", "-o", flacPath, wavPath]);

  const audio = await decodeAudioFile(flacPath);

  t.equal(audio.sourceRate, 44100, "sourceRate is 44100");
  t.equal(audio.sourceChannels, 2, "sourceChannels is 2");
  t.equal(audio.pcm.length, Math.round((left.length * 16000) / 44100), "length is round(44100 frames * 16000 / 44100)");
  const levelError = decibels(rms(steadyPart(audio.pcm)) / SINE_RMS);
  t.ok(Math.abs(levelError) <= 0.5, `level is within 0.5 dB (off by ${levelError.toFixed(4)} dB)`);
  const frequency = zeroCrossingFrequency(steadyPart(audio.pcm), SAMPLE_RATE);
  t.ok(Math.abs(frequency - 1000) <= 1, `frequency is 1000 ± 1 Hz (got ${frequency.toFixed(3)} Hz)`);
});

t.test("FLAC 24-bit from sox", async (t) => {
  const dir = makeTempDir(t);
  const source = sine(1000, 1, 48000, 0.5);
  const wavPath = writeWav(dir, "source.wav", encodeWav({ samples: [source], sampleRate: 48000, format: "pcm24" }));
  const flacPath = join(dir, "source.flac");
  execFileSync("sox", [wavPath, "-b", "24", flacPath]);

  const audio = await decodeAudioFile(flacPath);

  t.equal(audio.sourceRate, 48000, "sourceRate is 48000");
  t.equal(audio.pcm.length, 16000, "48000 frames become 16000 samples");
  const fit = fitSine(steadyPart(audio.pcm), 1000);
  const sinad = decibels(fit.amplitude / Math.SQRT2 / fit.residualRms);
  t.ok(sinad >= 60, `SINAD is at least 60 dB (got ${sinad.toFixed(1)} dB)`);
});

t.test("jfk.wav fixture", async (t) => {
  const audio = await decodeAudioFile(fixturePath("audio", "jfk.wav"));

  t.equal(audio.pcm.length, 176000, "11.0 s at 16 kHz is 176000 samples");
  t.equal(audio.durationMs, 11000, "durationMs is 11000");
  t.equal(audio.sourceRate, 16000, "sourceRate is 16000");
  t.equal(audio.sourceChannels, 1, "sourceChannels is 1");
  t.ok(rms(audio.pcm) > 0.01, `speech is not silent (RMS ${rms(audio.pcm)})`);
});

t.test("jfk.mp3 fixture", async (t) => {
  const mp3 = await decodeAudioFile(fixturePath("audio", "jfk.mp3"));
  const wav = await decodeAudioFile(fixturePath("audio", "jfk.wav"));

  // An MP3 may carry encoder delay and padding, so its length is checked only to ±0.5 s.
  const seconds = mp3.pcm.length / SAMPLE_RATE;
  t.ok(Math.abs(seconds - 11) <= 0.5, `duration is 11.0 ± 0.5 s (got ${seconds.toFixed(3)} s)`);
  t.equal(mp3.sourceRate, 16000, "sourceRate is the MP3's 16 kHz");
  t.equal(mp3.sourceChannels, 1, "sourceChannels is 1");
  const levelError = decibels(rms(mp3.pcm) / rms(wav.pcm));
  t.ok(Math.abs(levelError) <= 1, `RMS is within 1 dB of jfk.wav (off by ${levelError.toFixed(3)} dB)`);
  const { lag, correlation } = bestCorrelation(mp3.pcm, wav.pcm, 2000);
  t.ok(correlation >= 0.9, `waveform matches jfk.wav (correlation ${correlation.toFixed(4)} at lag ${lag})`);
});

t.test("header claims more data", async (t) => {
  const dir = makeTempDir(t);
  const source = sine(440, 1, 16000, 0.5);
  const wav = encodeWav({ samples: [source], sampleRate: 16000, format: "pcm16" });
  const dataStart = dataSizeOffset(wav) + 4;
  // The size field still claims 16000 samples, but the file ends after 6000.
  const path = writeWav(dir, "short.wav", wav.subarray(0, dataStart + 6000 * 2));

  const audio = await decodeAudioFile(path);

  t.equal(audio.pcm.length, 6000, "the 6000 samples present are decoded");
  const error = maxAbsDifference(audio.pcm, source);
  t.ok(error <= 1e-4, `decoded samples match the source (max error ${error})`);
});

t.test("size field beyond file end", async (t) => {
  const dir = makeTempDir(t);
  const source = sine(440, 0.5, 16000, 0.5);
  const wav = encodeWav({ samples: [source], sampleRate: 16000, format: "pcm16" });
  const path = writeWav(dir, "oversized.wav", withDataSize(wav, 100 * 1024 * 1024));

  const audio = await decodeAudioFile(path);

  t.equal(audio.pcm.length, source.length, "all 8000 samples in the file are decoded");
});

t.test("WAV truncated mid-sample", async (t) => {
  const dir = makeTempDir(t);
  const source = sine(440, 1, 16000, 0.5);
  const wav = encodeWav({ samples: [source], sampleRate: 16000, format: "pcm16" });
  const dataStart = dataSizeOffset(wav) + 4;
  const path = writeWav(dir, "mid-sample.wav", wav.subarray(0, dataStart + 6000 * 2 + 1));

  const audio = await decodeAudioFile(path);

  t.equal(audio.pcm.length, 6000, "the odd trailing byte is dropped, 6000 whole samples remain");
});

t.test("stereo 24-bit truncated mid-frame", async (t) => {
  const dir = makeTempDir(t);
  const left = sine(440, 1, 16000, 0.5);
  const right = sine(660, 1, 16000, 0.5);
  const wav = encodeWav({ samples: [left, right], sampleRate: 16000, format: "pcm24" });
  const dataStart = dataSizeOffset(wav) + 4;
  // 1000 frames of 6 bytes, then the left sample and one byte of the right sample of frame 1000.
  const path = writeWav(dir, "mid-frame.wav", wav.subarray(0, dataStart + 1000 * 6 + 4));

  const audio = await decodeAudioFile(path);

  t.equal(audio.pcm.length, 1000, "only the 1000 whole frames are decoded");
  const expected = left.map((sample, i) => (sample + right[i]) / 2);
  const error = maxAbsDifference(audio.pcm, expected);
  t.ok(error <= 1e-5, `decoded frames are the channel average (max error ${error})`);
});

t.test("missing file is AUDIO_FILE_NOT_FOUND", async (t) => {
  const dir = makeTempDir(t);
  const path = join(dir, "absent.wav");

  const error = await rejection(decodeAudioFile(path));

  t.type(error, RexError, "rejects with a RexError");
  t.equal((error as RexError).code, "AUDIO_FILE_NOT_FOUND", "code is AUDIO_FILE_NOT_FOUND");
  t.ok((error as RexError).message.includes(path), `message names the path: ${(error as RexError).message}`);
});

const UNDECODABLE = [
  { name: "text file named .wav", file: "notes.wav", content: Buffer.from("This is a text file, not audio.\n".repeat(20)) },
  { name: "random bytes", file: "noise.bin", content: pseudoRandomBytes(64 * 1024, 0x5eed) },
  { name: "random bytes named .mp3", file: "noise.mp3", content: pseudoRandomBytes(64 * 1024, 0xbeef) },
  { name: "0-byte file", file: "empty.wav", content: Buffer.alloc(0) },
];

for (const { name, file, content } of UNDECODABLE) {
  t.test(`${name} is AUDIO_DECODE_FAILED`, async (t) => {
    const dir = makeTempDir(t);
    const path = join(dir, file);
    writeFileSync(path, content);

    const error = await rejection(decodeAudioFile(path));

    t.type(error, RexError, "rejects with a RexError");
    t.equal((error as RexError).code, "AUDIO_DECODE_FAILED", "code is AUDIO_DECODE_FAILED");
    t.ok((error as RexError).message.includes(path), `message names the path: ${(error as RexError).message}`);
  });
}

t.test("directory is AUDIO_DECODE_FAILED", async (t) => {
  const dir = makeTempDir(t);
  const path = join(dir, "folder.wav");
  mkdirSync(path);

  const error = await rejection(decodeAudioFile(path));

  t.type(error, RexError, "rejects with a RexError");
  t.equal((error as RexError).code, "AUDIO_DECODE_FAILED", "code is AUDIO_DECODE_FAILED");
});

t.test("non-string path is TypeError", async (t) => {
  for (const value of [undefined, null, 42, Buffer.from("a.wav"), { path: "a.wav" }, ""]) {
    const error = await rejection(decodeAudioFile(value as unknown as string));
    t.type(error, TypeError, `${JSON.stringify(value) ?? String(value)} is rejected with a TypeError`);
  }
});

t.test("valid file decodes after failures", async (t) => {
  const dir = makeTempDir(t);
  const source = sine(440, 0.5, 22050, 0.5);
  const path = writeWav(dir, "after.wav", encodeWav({ samples: [source], sampleRate: 22050, format: "pcm16" }));

  const audio = await decodeAudioFile(path);

  t.equal(audio.pcm.length, Math.round((source.length * 16000) / 22050), "length is the converted frame count");
  const levelError = decibels(rms(steadyPart(audio.pcm)) / SINE_RMS);
  t.ok(Math.abs(levelError) <= 0.5, `level is within 0.5 dB (off by ${levelError.toFixed(4)} dB)`);
});

const AWKWARD_NAMES = [
  "with space.wav",
  "it's.wav",
  'say "hi".wav',
  "a;b.wav",
  "$(touch injected).wav",
  "`touch injected`.wav",
  "-leading-dash.wav",
  "naïve ünïcode 音.wav",
];

t.test("awkward file names", async (t) => {
  const dir = makeTempDir(t);
  const source = sine(440, 0.25, 16000, 0.5);
  const wav = encodeWav({ samples: [source], sampleRate: 16000, format: "pcm16" });

  for (const name of AWKWARD_NAMES) {
    const path = writeWav(dir, name, wav);
    const audio = await decodeAudioFile(path);
    t.equal(audio.pcm.length, source.length, `${name} decodes to ${source.length} samples`);
  }

  const entries = readdirSync(dir).sort();
  t.same(entries, [...AWKWARD_NAMES].sort(), "no file was created by a name that looks like a command");
});
