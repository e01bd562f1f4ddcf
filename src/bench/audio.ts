/**
 * `rex bench audio`: CPU cost of capture and of the VAD, the delay from the end of speech to the
 * speechEnd event, and a soak run, all on a private PulseAudio null sink (48 kHz stereo) whose
 * monitor rex captures. Run directly with `node dist/bench/audio.js --help`.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath, pathToFileURL } from "node:url";

import { Command, InvalidArgumentError } from "commander";

import { CaptureStream } from "../audio/capture-stream.js";
import { decodeAudioFile, SAMPLE_RATE } from "../audio/decode.js";
import { Endpointer, type EndpointEvent } from "../audio/endpointer.js";
import { loadVad, type VadModel } from "../audio/vad.js";
import { loadSettings } from "../config/load.js";
import { resolveVadModel } from "../models/resolve.js";
import type { NativeCaptureStats } from "../native/binding.js";
import { runAction, setUpLogging } from "../cli/run.js";
import { fixturesDir } from "./inputs.js";
import { describeMachine } from "./machine.js";
import { startBenchPulseServer, runChild, type BenchPulseServer } from "./pulse-server.js";
import { median } from "./stats.js";
import { writeWav16 } from "./wav.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

const FRAME_SAMPLES = 512;
const DEVICE_RATE = 48000;
const DEVICE_CHANNELS = 2;
/** Samples at or above this magnitude (about -50 dBFS) count as speech when locating where speech ends. */
const SPEECH_LEVEL = 0.003;
/** Quiet longer than this separates two played utterances in the captured stream. */
const UTTERANCE_GAP_SAMPLES = SAMPLE_RATE;
/** Silence played after each utterance in the endpoint run: longer than endOfSpeechMs plus the gap. */
const PAUSE_MS = 2000;
/** Time between the starts of utterances in the soak run. */
const SOAK_PERIOD_MS = 15_000;
const RSS_INTERVAL_MS = 10_000;
const MB = 1e6;

export const AUDIO_GOALS = {
  capturePercent: 1,
  vadPercent: 3,
  overruns: 0,
  rssGrowthMB: 2,
};

/** Sentences for the utterances, each spoken with the next voice and rate from the lists below. */
const SENTENCES = [
  "Set a timer for twelve minutes.",
  "What is the weather like in Lisbon tomorrow morning?",
  "Turn the kitchen lights down to thirty percent.",
  "Remind me to call the dentist on Thursday.",
  "How many grams are in a cup of flour?",
  "Play something quiet while I read.",
  "Add eggs, butter and lemons to the shopping list.",
  "When does the next train to the airport leave?",
  "Read me the last message from Anna.",
  "Convert forty miles to kilometres.",
  "Is the pharmacy on Main Street open tonight?",
  "Pause the music and lower the volume.",
  "Spell the word necessary.",
  "What time is sunset today?",
  "Write down that the meeting moved to Friday afternoon.",
  "How far is it from Berlin to Prague by car?",
  "Cancel my alarm for six thirty.",
  "Tell me a short fact about octopuses.",
  "Open the garage door.",
  "What did I ask you to remember yesterday?",
];
const VOICES = ["en-us", "en-gb", "en-us+f3", "en-gb-scotland", "en-029"];
const RATES_WPM = [140, 175, 210];

export interface AudioBenchOptions {
  /** Audio seconds for each CPU measurement. */
  seconds: number;
  /** Utterances played in the endpoint-delay run. */
  utterances: number;
  /** Length of the soak run in minutes, or 0 to skip it. */
  minutes: number;
  /** Silero VAD model in ggml format. The default is the one in rex's models folder, else the test fixtures' copy. */
  vadModel?: string;
  command: string;
  progress?: (message: string) => void;
}

export interface Distribution {
  median: number;
  p95: number;
  max: number;
}

export interface EndpointResult {
  played: number;
  /** Utterances found in the captured stream by level, independent of the VAD. */
  foundByLevel: number;
  detectedOnce: number;
  missed: number;
  /** speechEnd events with more than one per utterance, or with no utterance before them. */
  extraEvents: number;
  /** Samples fed to the Endpointer after the last speech sample, up to the speechEnd event, in ms of audio. */
  delayAudioMs: Distribution | null;
  /** Wall time from frames() yielding the frame with the last speech sample to the speechEnd event. */
  delayWallMs: Distribution | null;
  /** speechEnd's `sample` minus the true end of speech, in ms of audio. */
  endErrorMs: Distribution | null;
}

export interface AudioBenchReport {
  date: string;
  command: string;
  machine: { cpu: string; cores: number; loadAverageStart: number[]; loadAverageEnd: number[] };
  capture: {
    audioSeconds: number;
    cpuMs: number;
    percent: number;
    idleCpuMs: number;
    idleSeconds: number;
    /** percent minus the idle polling cost scaled to the same length. */
    netPercent: number;
    overruns: number;
  };
  vad: { audioSeconds: number; cpuMs: number; wallMs: number; percent: number; model: string };
  endpoint: EndpointResult;
  soak: (EndpointResult & { minutes: number; overruns: number; droppedSamples: number; rssMB: Array<[seconds: number, rss: number]>; rssGrowthMB: number | null }) | null;
}

interface Utterance {
  path: string;
  pcm: Float32Array;
  voice: string;
  rate: number;
}

/** Runs the four measurements in order: capture CPU, VAD CPU, endpoint delay, soak. */
export async function runAudioBench(options: AudioBenchOptions): Promise<AudioBenchReport> {
  const progress = options.progress ?? (() => {});
  const vadPath = options.vadModel ?? findVadModel();
  const loadAverageStart = loadavg();
  const machine = describeMachine();
  const server = await startBenchPulseServer(DEVICE_RATE, DEVICE_CHANNELS);
  // rex's capture connects to whatever server these variables name, so they must point at ours.
  Object.assign(process.env, server.env);
  try {
    progress(`synthesizing ${SENTENCES.length} utterances with espeak-ng`);
    const utterances = await synthesizeUtterances(server.dir);

    progress(`capture CPU: ${options.seconds} s idle polling, then ${options.seconds} s of 48 kHz stereo noise`);
    const capture = await measureCaptureCpu(server, options.seconds);

    progress(`VAD CPU: ${options.seconds} s of speech`);
    const vad = await loadVad(vadPath);
    const vadResult = await measureVadCpu(vad, utterances, options.seconds);

    progress(`endpoint delay: ${options.utterances} utterances`);
    const endpoint = await measureEndpoints(server, vad, utterances, options.utterances);

    let soak: AudioBenchReport["soak"] = null;
    if (options.minutes > 0) {
      progress(`soak: ${options.minutes} min`);
      soak = await soakRun(server, vad, utterances, options.minutes, progress);
    }
    vad.free();
    return {
      date: new Date().toISOString(),
      command: options.command,
      machine: { cpu: machine.cpu, cores: machine.cores, loadAverageStart, loadAverageEnd: loadavg() },
      capture,
      vad: { ...vadResult, model: vadPath },
      endpoint,
      soak,
    };
  } finally {
    await server.stop();
  }
}

function findVadModel(): string {
  try {
    return resolveVadModel(loadSettings(process.env));
  } catch (error) {
    const fixture = join(fixturesDir(repoRoot), "models", "ggml-silero-v6.2.0.bin");
    if (existsSync(fixture)) return fixture;
    throw error;
  }
}

async function synthesizeUtterances(dir: string): Promise<Utterance[]> {
  const utterances: Utterance[] = [];
  for (const [index, text] of SENTENCES.entries()) {
    const voice = VOICES[index % VOICES.length];
    const rate = RATES_WPM[index % RATES_WPM.length];
    const rawPath = join(dir, `espeak-${index}.wav`);
    await runChild(spawn("espeak-ng", ["-v", voice, "-s", String(rate), "-w", rawPath, "--", text], { stdio: ["ignore", "ignore", "pipe"] }));
    // Trimmed to the first and last sample at SPEECH_LEVEL, so the file's end is the end of speech.
    const pcm = trimQuiet((await decodeAudioFile(rawPath)).pcm);
    const path = join(dir, `utterance-${index}.wav`);
    await writeWav16(path, pcm, SAMPLE_RATE);
    utterances.push({ path, pcm, voice, rate });
  }
  return utterances;
}

function trimQuiet(pcm: Float32Array): Float32Array {
  let first = 0;
  while (first < pcm.length && Math.abs(pcm[first]) < SPEECH_LEVEL) first++;
  let last = pcm.length - 1;
  while (last > first && Math.abs(pcm[last]) < SPEECH_LEVEL) last--;
  return pcm.slice(first, last + 1);
}

/**
 * Measures process CPU time while a CaptureStream reads the monitor as 48 kHz stereo noise plays
 * into the sink. The idle baseline is the same process waking every 10 ms, the poll interval of
 * frames(), with no device open.
 */
async function measureCaptureCpu(server: BenchPulseServer, seconds: number): Promise<AudioBenchReport["capture"]> {
  const idleStart = process.cpuUsage();
  const idleWallStart = performance.now();
  while (performance.now() - idleWallStart < seconds * 1000) await sleep(10);
  const idleCpu = process.cpuUsage(idleStart);
  const idleSeconds = (performance.now() - idleWallStart) / 1000;

  const noisePath = join(server.dir, "noise-48k-stereo.wav");
  await writeStereoNoise(noisePath, seconds + 5, DEVICE_RATE);
  const playing = server.play(noisePath);
  const capture = CaptureStream.open({ device: server.monitor });
  let samples = 0;
  let overruns = 0;
  let cpu: NodeJS.CpuUsage;
  try {
    // One second of warm-up lets the device start and the noise reach the monitor.
    const controller = new AbortController();
    const warmUpEnd = performance.now() + 1000;
    let cpuStart: NodeJS.CpuUsage | undefined;
    for await (const frame of capture.frames(FRAME_SAMPLES, controller.signal)) {
      if (!cpuStart) {
        if (performance.now() < warmUpEnd) continue;
        cpuStart = process.cpuUsage();
      }
      samples += frame.length;
      if (samples >= seconds * SAMPLE_RATE) controller.abort();
    }
    cpu = process.cpuUsage(cpuStart);
    overruns = capture.stats().overruns;
  } finally {
    capture.close();
  }
  await playing;

  const audioSeconds = samples / SAMPLE_RATE;
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const idleCpuMs = (idleCpu.user + idleCpu.system) / 1000;
  const percent = cpuMs / 10 / audioSeconds;
  const idlePercent = idleCpuMs / 10 / idleSeconds;
  return { audioSeconds, cpuMs, percent, idleCpuMs, idleSeconds, netPercent: percent - idlePercent, overruns, };
}

/** Writes white noise at -20 dBFS RMS, different in each channel, as 16-bit stereo WAV. */
async function writeStereoNoise(path: string, seconds: number, rate: number): Promise<void> {
  const frames = Math.round(seconds * rate);
  const dataBytes = frames * 4;
  const wav = Buffer.alloc(44 + dataBytes);
  wav.write("RIFF", 0, "ascii");
  wav.writeUInt32LE(36 + dataBytes, 4);
  wav.write("WAVEfmt ", 8, "ascii");
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20); // WAVE_FORMAT_PCM
  wav.writeUInt16LE(2, 22);
  wav.writeUInt32LE(rate, 24);
  wav.writeUInt32LE(rate * 4, 28);
  wav.writeUInt16LE(4, 32);
  wav.writeUInt16LE(16, 34);
  wav.write("data", 36, "ascii");
  wav.writeUInt32LE(dataBytes, 40);
  // Uniform noise in [-a, a] has an RMS of a / sqrt(3), so a = 0.173 gives 0.1 RMS.
  const amplitude = 0.173 * 32767;
  for (let i = 0; i < frames * 2; i++) wav.writeInt16LE(Math.round((Math.random() * 2 - 1) * amplitude), 44 + i * 2);
  await writeFile(path, wav);
}

/** Feeds `seconds` of the utterances, back to back with 0.3 s of silence, through Endpointer.push. */
async function measureVadCpu(vad: VadModel, utterances: Utterance[], seconds: number): Promise<Omit<AudioBenchReport["vad"], "model">> {
  const gap = new Float32Array(Math.round(0.3 * SAMPLE_RATE));
  const total = Math.round(seconds * SAMPLE_RATE);
  const speech = new Float32Array(total);
  for (let offset = 0, index = 0; offset < total; index++) {
    const piece = index % 2 === 0 ? utterances[(index / 2) % utterances.length].pcm : gap;
    speech.set(piece.subarray(0, total - offset), offset);
    offset += piece.length;
  }
  vad.reset();
  const endpointer = new Endpointer(vad);
  const wallStart = performance.now();
  const cpuStart = process.cpuUsage();
  let fed = 0;
  for (; fed + FRAME_SAMPLES <= total; fed += FRAME_SAMPLES) await endpointer.push(speech.subarray(fed, fed + FRAME_SAMPLES));
  const cpu = process.cpuUsage(cpuStart);
  const wallMs = performance.now() - wallStart;
  const audioSeconds = fed / SAMPLE_RATE;
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return { audioSeconds, cpuMs, wallMs, percent: cpuMs / 10 / audioSeconds };
}

/** One utterance as found in the captured stream by level, with the speechEnd events after it. */
interface HeardUtterance {
  lastSpeechSample: number;
  /** performance.now() when frames() yielded the frame that contains lastSpeechSample. */
  lastSpeechArrival: number;
  ends: Array<{ delaySamples: number; delayWallMs: number; endErrorSamples: number }>;
}

/**
 * Finds where speech ends in the captured stream from the signal level, which is reliable because
 * the null sink is digital silence between utterances, and matches speechEnd events to utterances.
 */
class EndpointTracker {
  samplesFed = 0;
  readonly utterances: HeardUtterance[] = [];
  unmatchedEnds = 0;

  observe(frame: Float32Array, arrival: number): void {
    for (let i = 0; i < frame.length; i++) {
      if (Math.abs(frame[i]) < SPEECH_LEVEL) continue;
      const sample = this.samplesFed + i;
      const current = this.utterances.at(-1);
      if (!current || sample - current.lastSpeechSample > UTTERANCE_GAP_SAMPLES) {
        this.utterances.push({ lastSpeechSample: sample, lastSpeechArrival: arrival, ends: [] });
      } else {
        current.lastSpeechSample = sample;
        current.lastSpeechArrival = arrival;
      }
    }
    this.samplesFed += frame.length;
  }

  recordEnd(event: Extract<EndpointEvent, { type: "speechEnd" }>, now: number): void {
    const current = this.utterances.at(-1);
    if (!current) {
      this.unmatchedEnds++;
      return;
    }
    const speechEnd = current.lastSpeechSample + 1;
    current.ends.push({
      delaySamples: this.samplesFed - speechEnd,
      delayWallMs: now - current.lastSpeechArrival,
      endErrorSamples: event.sample - speechEnd,
    });
  }

  summarize(played: number): EndpointResult {
    const once = this.utterances.filter((utterance) => utterance.ends.length === 1);
    // An utterance split in two has its last event after the true end, so that one is measured.
    const finalEnds = this.utterances.flatMap((utterance) => utterance.ends.slice(-1));
    const extraEvents = this.unmatchedEnds + this.utterances.reduce((sum, utterance) => sum + Math.max(0, utterance.ends.length - 1), 0);
    const toMs = (samples: number) => (samples * 1000) / SAMPLE_RATE;
    return {
      played,
      foundByLevel: this.utterances.length,
      detectedOnce: once.length,
      missed: this.utterances.filter((utterance) => utterance.ends.length === 0).length + Math.max(0, played - this.utterances.length),
      extraEvents,
      delayAudioMs: distribution(finalEnds.map((end) => toMs(end.delaySamples))),
      delayWallMs: distribution(finalEnds.map((end) => end.delayWallMs)),
      endErrorMs: distribution(finalEnds.map((end) => toMs(end.endErrorSamples))),
    };
  }
}

/** Captures the monitor through an Endpointer until `signal` aborts, feeding every frame to the tracker. */
async function listen(capture: CaptureStream, endpointer: Endpointer, tracker: EndpointTracker, signal: AbortSignal): Promise<void> {
  for await (const frame of capture.frames(FRAME_SAMPLES, signal)) {
    tracker.observe(frame, performance.now());
    for (const event of await endpointer.push(frame)) {
      if (event.type === "speechEnd") tracker.recordEnd(event, performance.now());
    }
  }
}

async function measureEndpoints(server: BenchPulseServer, vad: VadModel, utterances: Utterance[], count: number): Promise<EndpointResult> {
  vad.reset();
  const capture = CaptureStream.open({ device: server.monitor });
  const tracker = new EndpointTracker();
  const controller = new AbortController();
  try {
    const listening = listen(capture, new Endpointer(vad), tracker, controller.signal);
    await sleep(1000);
    for (let i = 0; i < count; i++) {
      await server.play(utterances[i % utterances.length].path);
      await sleep(PAUSE_MS);
    }
    controller.abort();
    await listening;
  } finally {
    capture.close();
  }
  return tracker.summarize(count);
}

async function soakRun(
  server: BenchPulseServer,
  vad: VadModel,
  utterances: Utterance[],
  minutes: number,
  progress: (message: string) => void,
): Promise<NonNullable<AudioBenchReport["soak"]>> {
  vad.reset();
  const capture = CaptureStream.open({ device: server.monitor });
  const tracker = new EndpointTracker();
  const controller = new AbortController();
  const started = performance.now();

  const rssMB: Array<[number, number]> = [];
  const sampleRss = () => rssMB.push([Math.round((performance.now() - started) / 1000), process.memoryUsage().rss / MB]);
  const timer = setInterval(sampleRss, RSS_INTERVAL_MS);
  let played = 0;
  let stats: NativeCaptureStats;
  try {
    const listening = listen(capture, new Endpointer(vad), tracker, controller.signal);
    const end = started + minutes * 60_000;

    // Each utterance starts SOAK_PERIOD_MS after the previous one, and the last one ends before `end`.
    while (performance.now() + SOAK_PERIOD_MS <= end) {
      const next = performance.now() + SOAK_PERIOD_MS;
      await server.play(utterances[played % utterances.length].path);
      played++;
      if (played % 10 === 0) progress(`soak: ${played} utterances, ${Math.round((performance.now() - started) / 1000)} s`);
      await sleep(Math.max(0, next - performance.now()));
    }
    await sleep(Math.max(0, end - performance.now()));

    sampleRss();
    controller.abort();
    await listening;
    stats = capture.stats();
  } finally {
    clearInterval(timer);
    capture.close();
  }
  return {
    ...tracker.summarize(played),
    minutes,
    overruns: stats.overruns,
    droppedSamples: stats.droppedSamples,
    rssMB,
    rssGrowthMB: rssGrowth(rssMB, minutes * 60),
  };
}

/**
 * Median RSS of the last minute minus the median of the first minute after a warm-up of one
 * minute, or of a fifth of the run when that is shorter. Null when the run is too short.
 */
function rssGrowth(samples: Array<[number, number]>, seconds: number): number | null {
  const warmUp = Math.min(60, seconds / 5);
  const first = samples.filter(([at]) => at >= warmUp && at < warmUp + 60).map(([, rss]) => rss);
  const last = samples.filter(([at]) => at > seconds - 60).map(([, rss]) => rss);
  if (first.length === 0 || last.length === 0) return null;
  return median(last) - median(first);
}

function distribution(values: number[]): Distribution | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest-rank 95th percentile.
  const p95 = sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)];
  return { median: median(sorted), p95, max: sorted.at(-1)! };
}

/** Rows of the report table: measurement, value, goal, whether the goal was met. */
function tableRows(report: AudioBenchReport): string[][] {
  const { capture, vad, endpoint, soak } = report;
  const percent = (value: number) => `${value.toFixed(2)} %`;
  const met = (ok: boolean, margin: string) => `${ok ? "yes" : "NO"} (${margin})`;
  const ms = (value: Distribution | null, key: keyof Distribution) => (value ? `${Math.round(value[key])} ms` : "none");
  const rows = [
    ["Capture + resampling CPU, net of idle polling (% of one core)", percent(capture.netPercent), `≤ ${AUDIO_GOALS.capturePercent} %`,
      met(capture.netPercent <= AUDIO_GOALS.capturePercent, `${(AUDIO_GOALS.capturePercent - capture.netPercent).toFixed(2)} points to spare`)],
    ["Capture + resampling CPU, gross", percent(capture.percent), "", ""],
    ["Idle polling CPU, no device", percent(capture.idleCpuMs / 10 / capture.idleSeconds), "", ""],
    ["VAD + Endpointer CPU (% of one core)", percent(vad.percent), `≤ ${AUDIO_GOALS.vadPercent} %`,
      met(vad.percent <= AUDIO_GOALS.vadPercent, `${(AUDIO_GOALS.vadPercent - vad.percent).toFixed(2)} points to spare`)],
    ["End of speech → speechEnd, audio fed, median / p95", `${ms(endpoint.delayAudioMs, "median")} / ${ms(endpoint.delayAudioMs, "p95")}`, "", ""],
    ["End of speech → speechEnd, wall time, median / p95", `${ms(endpoint.delayWallMs, "median")} / ${ms(endpoint.delayWallMs, "p95")}`, "", ""],
    ["speechEnd sample − true end, median / p95", `${ms(endpoint.endErrorMs, "median")} / ${ms(endpoint.endErrorMs, "p95")}`, "", ""],
    ["Utterances detected exactly once", `${endpoint.detectedOnce} of ${endpoint.played}`, `${endpoint.played}`,
      met(endpoint.detectedOnce === endpoint.played, `${endpoint.missed} missed, ${endpoint.extraEvents} extra events`)],
  ];
  if (soak) {
    rows.push(
      [`Soak ${soak.minutes} min: overruns`, `${soak.overruns} (${soak.droppedSamples} samples dropped)`, `${AUDIO_GOALS.overruns}`,
        met(soak.overruns <= AUDIO_GOALS.overruns, `${soak.overruns} over`)],
      [`Soak ${soak.minutes} min: RSS growth, first to last minute`, soak.rssGrowthMB === null ? "run too short" : `${soak.rssGrowthMB.toFixed(2)} MB`,
        `≤ ${AUDIO_GOALS.rssGrowthMB} MB`,
        soak.rssGrowthMB === null ? "" : met(soak.rssGrowthMB <= AUDIO_GOALS.rssGrowthMB, `${(AUDIO_GOALS.rssGrowthMB - soak.rssGrowthMB).toFixed(2)} MB to spare`)],
      [`Soak ${soak.minutes} min: utterances detected exactly once`, `${soak.detectedOnce} of ${soak.played}`, `${soak.played}`,
        met(soak.detectedOnce === soak.played, `${soak.missed} missed, ${soak.extraEvents} extra events`)],
      [`Soak ${soak.minutes} min: end of speech → speechEnd, wall, median / p95`, `${ms(soak.delayWallMs, "median")} / ${ms(soak.delayWallMs, "p95")}`, "", ""],
    );
  }
  return rows;
}

const HEADER = ["Measurement", "Value", "Goal", "Goal met"];

export function renderAudioText(report: AudioBenchReport): string {
  const rows = [HEADER, ...tableRows(report)];
  const widths = HEADER.map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const lines = rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column])).join("  ").trimEnd());
  lines.splice(1, 0, widths.map((width) => "-".repeat(width)).join("  "));
  return `${lines.join("\n")}\n`;
}

export function renderAudioMarkdown(report: AudioBenchReport): string {
  const row = (cells: string[]) => `| ${cells.join(" | ")} |`;
  const load = (values: number[]) => values.map((value) => value.toFixed(2)).join(", ");
  return [
    "# Audio benchmark",
    "",
    `Measured ${report.date} with \`${report.command}\` on ${report.machine.cpu}, ${report.machine.cores} cores available to Node.js.`,
    `Load average (1, 5, 15 min) at the start: ${load(report.machine.loadAverageStart)}; at the end: ${load(report.machine.loadAverageEnd)}.`,
    "",
    row(HEADER),
    row(HEADER.map(() => "---")),
    ...tableRows(report).map(row),
    "",
    "## Running it",
    "",
    "`rex bench audio --minutes 10 --out bench/AUDIO.md` rewrites this page, and `--json` prints the full report, with every RSS sample, instead of the table. Without the CLI: `npx tsc -p tsconfig.json && node dist/bench/audio.js --minutes 10`. It needs pulseaudio, pulseaudio-utils and espeak-ng, and the Silero VAD model (`rex models pull silero-v6.2.0`, or `--vad-model FILE`).",
    "",
    "CPU times count only this process, so other load on the machine changes them little. Wall times and overruns do depend on it: compare the load averages above with the number of cores.",
    "",
    "## What each number includes",
    "",
    "All audio goes through a private PulseAudio server started for the run: a null sink at 48 kHz, 2 channels, whose monitor source rex captures with `CaptureStream`, which downmixes and resamples to 16 kHz mono in miniaudio's callback.",
    "",
    "- **Capture CPU** is `process.cpuUsage()` (user + system, all threads of the Node.js process: miniaudio's PulseAudio thread, the downmix and resampler, and JavaScript reading 512-sample frames from `frames()`) while white noise plays into the sink, divided by the seconds of audio read. Net subtracts the idle baseline: the same process waking every 10 ms, the poll interval of `frames()`, with no device open, over the same number of seconds. PulseAudio's own CPU is not included.",
    "- **VAD CPU** is `process.cpuUsage()` while `Endpointer.push` scores the utterances back to back, separated by 0.3 s of silence, from memory, divided by the seconds of audio. It includes the Silero VAD (one thread) and the Endpointer's JavaScript, and no capture.",
    "- **End of speech → speechEnd** is measured on utterances spoken by espeak-ng (several voices and rates) and played with 2 s pauses, captured and endpointed in one process. The true end of speech is the last captured sample at or above -50 dBFS, which is exact enough because the null sink plays digital silence between utterances. *Audio fed* is the audio pushed into the Endpointer after that sample up to the push that returned speechEnd, and includes `endOfSpeechMs` (600 ms by default). *Wall time* runs from `frames()` yielding the frame that holds the last speech sample to the return of that push, so it includes the same wait plus queuing and VAD time, but not the time the audio spent in PulseAudio and the ring buffer before `frames()` read it.",
    "- **Detected exactly once** counts utterances, found in the captured stream by level, followed by exactly one speechEnd event.",
    "- **Soak** plays one utterance every 15 s while capture and the Endpointer run. Overruns are `CaptureStream.stats().overruns` at the end. RSS is `process.memoryUsage().rss` every 10 s. Growth is the median of the last minute minus the median of the first minute after a warm-up of one minute.",
    "",
  ].join("\n");
}

interface AudioBenchFlags {
  seconds: number;
  utterances: number;
  minutes: number;
  vadModel?: string;
  json?: boolean;
  out?: string;
}

function parseNumber(flag: string, minimum: number) {
  return (value: string): number => {
    const number = Number(value);
    if (value.trim() === "" || !Number.isFinite(number) || number < minimum) {
      throw new InvalidArgumentError(`${flag} must be a number of at least ${minimum}, got '${value}'`);
    }
    return number;
  };
}

/** Adds the options of `rex bench audio` to `command` and sets its action. */
function defineAudioBench(command: Command, commandPrefix: string): Command {
  return command
    .description("measure capture and VAD CPU, end-of-speech delay, and a soak run, on a private PulseAudio null sink")
    .option("--seconds <n>", "seconds of audio for each CPU measurement", parseNumber("--seconds", 1), 30)
    .option("--utterances <n>", "utterances played to measure the end-of-speech delay", parseNumber("--utterances", 1), 20)
    .option("--minutes <n>", "length of the soak run in minutes, 0 to skip it", parseNumber("--minutes", 0), 10)
    .option("--vad-model <file>", "Silero VAD model in ggml format (default: rex's models folder, then the test fixtures)")
    .option("--json", "print the report as JSON instead of a table")
    .option("--out <file>", "also write the report as Markdown to this file")
    .action(
      runAction(async (_flags: AudioBenchFlags, self: Command) => {
        // `rex bench` has --json and --out too, and commander gives them to the parent command.
        const flags = self.optsWithGlobals<AudioBenchFlags>();
        setUpLogging(loadSettings(process.env));
        const started = Date.now();
        const report = await runAudioBench({
          seconds: flags.seconds,
          utterances: Math.round(flags.utterances),
          minutes: flags.minutes,
          vadModel: flags.vadModel,
          command: [commandPrefix, ...process.argv.slice(2)].join(" "),
          progress: (message) => process.stderr.write(`rex bench audio [${Math.round((Date.now() - started) / 1000)} s]: ${message}\n`),
        });
        if (flags.out) {
          await mkdir(dirname(resolve(flags.out)), { recursive: true });
          await writeFile(flags.out, renderAudioMarkdown(report));
        }
        process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : renderAudioText(report));
        return 0;
      }),
    );
}

/** Registers `rex bench audio` under the `bench` command of `program`. */
export function registerAudioBench(program: Command): void {
  const bench = program.commands.find((command) => command.name() === "bench");
  if (!bench) throw new Error("registerAudioBench: call registerBench(program) first, because no 'bench' command exists");
  defineAudioBench(bench.command("audio"), "rex");
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await defineAudioBench(new Command("rex-bench-audio"), "node dist/bench/audio.js").parseAsync(process.argv);
}
