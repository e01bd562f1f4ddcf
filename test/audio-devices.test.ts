/**
 * Audio devices, capture, playback and endpointing through a real PulseAudio server: a null sink
 * whose monitor source is a capture device. Audio played into the sink with paplay is captured by
 * rex, and audio rex plays is recorded from the monitor with parecord or parec.
 */
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";

import t, { type Test } from "tap";

import { CaptureStream } from "../src/audio/capture-stream.js";
import { decodeAudioFile, SAMPLE_RATE } from "../src/audio/decode.js";
import { listDevices, resolveDevice } from "../src/audio/devices.js";
import { Endpointer, type EndpointEvent } from "../src/audio/endpointer.js";
import { PlaybackStream } from "../src/audio/playback-stream.js";
import { loadVad } from "../src/audio/vad.js";
import { isRexError } from "../src/errors.js";
import { vadModelPath } from "./helpers/fixtures.js";
import { pulseUnavailableReason, sineTone, speakToWav, startPulse, writeWav, type MonitorChunk, type PulseServer } from "./helpers/pulse.js";

const skip = pulseUnavailableReason();
const options = { skip };
/** Samples below this magnitude (-40 dBFS) count as silence. */
const SILENCE = 0.01;

let pulse: PulseServer;
if (!skip) {
  pulse = await startPulse({ rate: 48000, channels: 2 });
  t.teardown(() => pulse.stop());
  // miniaudio's PulseAudio client reads these when it connects, so set them before any rex audio call.
  Object.assign(process.env, pulse.env);
}

t.test("listDevices shows sink and monitor", options, async (t) => {
  const list = listDevices();

  t.equal(list.backend, "PulseAudio", "backend is PulseAudio");
  t.ok(
    list.capture.some((device) => device.id === pulse.monitor),
    `capture devices include ${pulse.monitor}: ${JSON.stringify(list.capture)}`,
  );
  t.ok(
    list.playback.some((device) => device.id === pulse.sink),
    `playback devices include ${pulse.sink}: ${JSON.stringify(list.playback)}`,
  );
});

t.test("resolveDevice by id, name and part", options, async (t) => {
  const list = listDevices();
  const monitor = list.capture.find((device) => device.id === pulse.monitor)!;
  const sink = list.playback.find((device) => device.id === pulse.sink)!;

  t.equal(resolveDevice("capture", pulse.monitor, list)?.id, pulse.monitor, "capture by id");
  t.equal(resolveDevice("playback", pulse.sink, list)?.id, pulse.sink, "playback by id");
  t.equal(resolveDevice("capture", monitor.name, list)?.id, pulse.monitor, `capture by name '${monitor.name}'`);
  t.equal(resolveDevice("playback", sink.name, list)?.id, pulse.sink, `playback by name '${sink.name}'`);
  t.equal(resolveDevice("capture", "MONITOR OF", list)?.id, pulse.monitor, "capture by part of the name, any case");
  t.equal(resolveDevice("capture", String(monitor.index), list)?.id, pulse.monitor, "capture by index");
  t.equal(resolveDevice("capture", undefined, list), undefined, "no spec selects the default");
});

t.test("unknown device is not found", options, async (t) => {
  const spec = "no-such-microphone";
  let caught: unknown;
  try {
    resolveDevice("capture", spec);
  } catch (error) {
    caught = error;
  }

  t.ok(isRexError(caught, "AUDIO_DEVICE_NOT_FOUND"), `resolveDevice throws AUDIO_DEVICE_NOT_FOUND, got ${String(caught)}`);
  const message = (caught as Error).message;
  t.match(message, spec, "message names the spec");
  t.match(message, pulse.monitor, "message lists the available capture device");

  let openError: unknown;
  try {
    CaptureStream.open({ device: spec }).close();
  } catch (error) {
    openError = error;
  }
  t.ok(isRexError(openError, "AUDIO_DEVICE_NOT_FOUND"), `CaptureStream.open throws AUDIO_DEVICE_NOT_FOUND, got ${String(openError)}`);
});

t.test("capture matches played tone", options, async (t) => {
  // Not a divisor of 10 ms, so audio dropped in whole device periods shows up as a phase jump.
  const frequency = 1013;
  const amplitude = 0.5;
  const tone = sineTone(frequency, 2, pulse.rate, amplitude);
  const source = join(pulse.dir, "capture-tone.wav");
  await writeWav(source, [tone, tone], pulse.rate);

  const capture = CaptureStream.open({ device: pulse.monitor });
  t.teardown(() => capture.close());
  const controller = new AbortController();
  const frames: Float32Array[] = [];
  const reading = (async () => {
    for await (const frame of capture.frames(512, controller.signal)) frames.push(frame);
  })();

  await pulse.play(source);
  await sleep(300);
  controller.abort();
  await reading;
  const stats = capture.stats();
  capture.close();

  const captured = steadyPart(joinFrames(frames), t);
  const reference = steadyPart((await decodeAudioFile(source)).pcm, t);
  const levelError = decibels(rms(captured)) - decibels(rms(reference));
  const { frequency: capturedFrequency, irregularCycles } = analyseTone(captured, SAMPLE_RATE);
  t.comment(
    `capture level error ${levelError.toFixed(3)} dB, frequency ${capturedFrequency.toFixed(2)} Hz, ` +
      `${irregularCycles} irregular cycles`,
  );

  t.equal(stats.deviceRate, pulse.rate, `device opened at the sink's rate ${pulse.rate} Hz`);
  t.equal(stats.deviceChannels, pulse.channels, `device opened with the sink's ${pulse.channels} channels`);
  t.ok(Math.abs(levelError) < 1, `captured level within 1 dB of the source, off by ${levelError.toFixed(3)} dB`);
  t.ok(
    Math.abs(capturedFrequency - frequency) < frequency * 0.005,
    `captured frequency ${capturedFrequency.toFixed(2)} Hz within 0.5% of ${frequency} Hz`,
  );
  // TODO: rex's capture stream lets PulseAudio hold only 30 ms (maxlength 5760 bytes of s16
  // stereo at 48 kHz in the server's log), so the server drops audio when the machine is busy.
  // Remove `todo` once that is fixed.
  t.equal(irregularCycles, 0, "no gaps or glitches in the captured tone", { todo: "PulseAudio drops audio beyond a 30 ms buffer" });
  t.equal(stats.overruns, 0, "no capture overruns");
});

t.test("playback matches recorded tone", options, async (t) => {
  const rate = 22050;
  const frequency = 700;
  const amplitude = 0.4;
  const tone = sineTone(frequency, 1.5, rate, amplitude);

  const recording = await pulse.startRecording();
  const playback = PlaybackStream.open({ device: pulse.sink, sampleRate: rate });
  t.teardown(() => playback.close());
  await sleep(200);
  await playback.play(tone);
  await sleep(200);
  playback.close();
  const recorded = steadyPart((await decodeAudioFile(await recording.stop())).pcm, t);

  const levelError = decibels(rms(recorded)) - decibels(rms(tone.subarray(rate * 0.25, rate * 1.25)));
  const { frequency: recordedFrequency, irregularCycles } = analyseTone(recorded, SAMPLE_RATE);
  t.comment(
    `playback level error ${levelError.toFixed(3)} dB, frequency ${recordedFrequency.toFixed(2)} Hz, ` +
      `${irregularCycles} irregular cycles`,
  );

  t.ok(Math.abs(levelError) < 1, `recorded level within 1 dB of the tone, off by ${levelError.toFixed(3)} dB`);
  t.ok(
    Math.abs(recordedFrequency - frequency) < frequency * 0.005,
    `recorded frequency ${recordedFrequency.toFixed(2)} Hz within 0.5% of ${frequency} Hz`,
  );
  // TODO: rex requests a 10 ms buffer from PulseAudio (tlength 9.98 ms in the server's log), and the
  // server then logs underruns and inserts gaps of a few milliseconds on a busy machine. paplay,
  // with its larger buffer, plays the same tone without gaps. Remove `todo` once that is fixed.
  t.equal(irregularCycles, 0, "no gaps or glitches in the recorded tone", { todo: "PulseAudio underruns with a 10 ms buffer" });
});

t.test("stop silences playback quickly", options, async (t) => {
  const rate = 16000;
  const tone = sineTone(1000, 10, rate, 0.5);
  const monitor = await pulse.streamMonitor();
  const playback = PlaybackStream.open({ device: pulse.sink, sampleRate: rate });
  t.teardown(() => playback.close());

  const playing = playback.play(tone);
  const toneArrived = await waitFor(() => monitor.chunks.some((chunk) => peak(chunk.samples) > SILENCE), 3000);
  t.ok(toneArrived, "tone reaches the monitor within 3 s");
  await sleep(500);
  const stopCalledAt = performance.now();
  playback.stop();
  await playing;
  const playReturnedMs = performance.now() - stopCalledAt;
  await sleep(500);
  await monitor.stop();
  playback.close();

  const latency = silenceLatency(monitor.chunks, monitor.rate, stopCalledAt);
  t.comment(
    `stop() to silence at the monitor: ${latency.sampleClockMs.toFixed(1)} ms by the sample clock, ` +
      `${latency.arrivalMs.toFixed(1)} ms by block arrival; play() returned after ${playReturnedMs.toFixed(1)} ms`,
  );

  // A behaviour bound for a null sink on an idle machine, not a guarantee for real hardware.
  t.ok(latency.arrivalMs < 150, `monitor silent ${latency.arrivalMs.toFixed(1)} ms after stop(), expected under 150 ms`);
  t.ok(playReturnedMs < 150, `play() returned ${playReturnedMs.toFixed(1)} ms after stop(), expected under 150 ms`);
});

t.test("endpointer finds spoken sentences", options, async (t) => {
  const speech = join(pulse.dir, "two-sentences.wav");
  await speakToWav(
    '<speak>The weather is sunny today.<break time="1500ms"/>Please turn on the kitchen lights.</speak>',
    speech,
    { ssml: true },
  );
  const vad = await loadVad(vadModelPath);
  t.teardown(() => vad.free());
  const endpointer = new Endpointer(vad, { endOfSpeechMs: 600 });

  const capture = CaptureStream.open({ device: pulse.monitor });
  t.teardown(() => capture.close());
  const controller = new AbortController();
  const events: EndpointEvent[] = [];
  const reading = (async () => {
    for await (const frame of capture.frames(512, controller.signal)) events.push(...(await endpointer.push(frame)));
  })();

  await pulse.play(speech);
  // The endpointer ends an utterance 600 ms after the speech, so wait longer than that.
  await waitFor(() => events.filter((event) => event.type === "speechEnd").length >= 2, 3000);
  controller.abort();
  await reading;
  capture.close();

  const summary = events.map((event) =>
    event.type === "speechStart"
      ? `start at ${(event.sample / SAMPLE_RATE).toFixed(2)} s`
      : `end at ${(event.sample / SAMPLE_RATE).toFixed(2)} s (${event.reason}, ${(event.utterance.length / SAMPLE_RATE).toFixed(2)} s)`,
  );
  t.comment(`endpointer events: ${summary.join("; ")}`);

  t.same(
    events.map((event) => event.type),
    ["speechStart", "speechEnd", "speechStart", "speechEnd"],
    `two utterances, one per sentence: ${summary.join("; ")}`,
  );
  const ends = events.filter((event) => event.type === "speechEnd");
  const starts = events.filter((event) => event.type === "speechStart");
  for (const [i, end] of ends.entries()) {
    t.equal(end.reason, "silence", `utterance ${i + 1} ended by silence`);
    const seconds = end.utterance.length / SAMPLE_RATE;
    t.ok(seconds > 1 && seconds < 3.5, `utterance ${i + 1} lasts ${seconds.toFixed(2)} s, expected 1 to 3.5 s`);
  }
  if (starts.length === 2 && ends.length === 2) {
    const gap = (starts[1].sample - ends[0].sample) / SAMPLE_RATE;
    t.ok(gap > 1 && gap < 2, `pause between utterances is ${gap.toFixed(2)} s, expected about 1.5 s`);
  }
});

function joinFrames(frames: Float32Array[]): Float32Array {
  const joined = new Float32Array(frames.reduce((sum, frame) => sum + frame.length, 0));
  let offset = 0;
  for (const frame of frames) {
    joined.set(frame, offset);
    offset += frame.length;
  }
  return joined;
}

/**
 * Returns the middle of the sound in `pcm`, from 0.25 s after the first sample above SILENCE to
 * 0.25 s before the last, so fades and resampler edges are left out.
 */
function steadyPart(pcm: Float32Array, t: Test): Float32Array {
  const first = pcm.findIndex((sample) => Math.abs(sample) > SILENCE);
  const last = lastIndexAbove(pcm, SILENCE);
  const margin = Math.round(0.25 * SAMPLE_RATE);
  if (first < 0 || last - first < 4 * margin) {
    t.fail(`expected at least 1 s of sound, found ${first < 0 ? "none" : `${((last - first) / SAMPLE_RATE).toFixed(2)} s`}`);
    return pcm;
  }
  return pcm.subarray(first + margin, last - margin);
}

/** Returns the index of the last sample whose magnitude is above `threshold`, or -1. */
function lastIndexAbove(pcm: Float32Array, threshold: number): number {
  for (let i = pcm.length - 1; i >= 0; i--) {
    if (Math.abs(pcm[i]) > threshold) return i;
  }
  return -1;
}

function rms(pcm: Float32Array): number {
  let sum = 0;
  for (const sample of pcm) sum += sample * sample;
  return Math.sqrt(sum / Math.max(1, pcm.length));
}

function peak(pcm: Float32Array): number {
  let max = 0;
  for (const sample of pcm) max = Math.max(max, Math.abs(sample));
  return max;
}

function decibels(amplitude: number): number {
  return 20 * Math.log10(amplitude);
}

/**
 * Analyses a steady tone by the intervals between its rising zero crossings, interpolated between
 * samples. The frequency comes from the median interval, so a short gap does not move it. A gap
 * shows up as intervals more than 10% away from the median, which are counted as irregular.
 */
function analyseTone(pcm: Float32Array, rate: number): { frequency: number; irregularCycles: number } {
  const crossings: number[] = [];
  for (let i = 1; i < pcm.length; i++) {
    if (pcm[i - 1] < 0 && pcm[i] >= 0) crossings.push(i - 1 + pcm[i - 1] / (pcm[i - 1] - pcm[i]));
  }
  const intervals = crossings.slice(1).map((position, i) => position - crossings[i]);
  if (intervals.length === 0) return { frequency: 0, irregularCycles: 0 };
  const sorted = [...intervals].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const irregularCycles = intervals.filter((interval) => Math.abs(interval - median) > 0.1 * median).length;
  return { frequency: rate / median, irregularCycles };
}

/**
 * Measures when the monitor fell silent after `stopCalledAt`, in milliseconds. `sampleClockMs`
 * dates the last sample above SILENCE from the earliest-arriving block: a block arrives no sooner
 * than its last sample was captured, so the smallest arrival offset maps sample index to clock
 * best. `arrivalMs` is when the block holding that sample reached the test process, an upper bound
 * that includes parec's delivery delay.
 */
function silenceLatency(chunks: MonitorChunk[], rate: number, stopCalledAt: number): { sampleClockMs: number; arrivalMs: number } {
  let offsetMs = Infinity;
  let samplesSoFar = 0;
  let lastLoud = -1;
  let lastLoudArrival = stopCalledAt;
  for (const chunk of chunks) {
    samplesSoFar += chunk.samples.length;
    offsetMs = Math.min(offsetMs, chunk.receivedAt - (samplesSoFar * 1000) / rate);
    const loud = lastIndexAbove(chunk.samples, SILENCE);
    if (loud >= 0) {
      lastLoud = samplesSoFar - chunk.samples.length + loud;
      lastLoudArrival = chunk.receivedAt;
    }
  }
  return { sampleClockMs: offsetMs + ((lastLoud + 1) * 1000) / rate - stopCalledAt, arrivalMs: lastLoudArrival - stopCalledAt };
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}
