/**
 * `rex bench turn`: how long whole conversation turns of `rex listen` take, and how much memory
 * the listening process needs. Utterances spoken by espeak-ng play into a private PulseAudio null
 * sink whose monitor is rex's microphone, and rex speaks into a second null sink. Times come from
 * both sinks' audio and from rex's log lines, all on the wall clock.
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";

import { loadSettings } from "../config/load.js";
import { resolveVadModel, resolveWhisperModel } from "../models/resolve.js";
import { prepareInputs, type BenchInput } from "./inputs.js";
import { ListenProcess, type LogRecord } from "./listen-process.js";
import { MOCK_MODEL, startLlmServer } from "./llm-server.js";
import { describeMachine } from "./machine.js";
import { BENCH_MONITOR, startBenchPulseServer, type BenchPulseServer } from "./pulse-server.js";
import { SinkRecorder } from "./sink-recorder.js";
import { median } from "./stats.js";

/** The sink rex plays its replies into, apart from the microphone's sink. */
const OUTPUT_SINK = "rex_out";
const STARTUP_TIMEOUT_MS = 60_000;
const TURN_TIMEOUT_MS = 60_000;
/** Reply of the loopback LLM server: two short sentences, so the first is spoken while the second streams. */
export const LLM_REPLY = "Sure, it is done. Is there anything else?";

export type ResponderKind = "llm" | "offline";
export const STAGES = ["endpoint", "transcript", "firstToken", "firstAudio", "firstSound"] as const;
export type Stage = (typeof STAGES)[number];

export interface TurnBenchOptions {
  /** Whisper model name or path. */
  model: string;
  utterances: number;
  responders: ResponderKind[];
  /** Whisper threads for rex listen; default: rex's threads setting. */
  threads?: number;
  command: string;
  progress: (message: string) => void;
}

/** One turn's times in milliseconds, each from the true end of speech. */
export type TurnTimes = Partial<Record<Stage, number>> & { endpoint: number };

export interface Spread {
  median: number;
  p95: number;
  count: number;
}

export interface ResponderResult {
  responder: ResponderKind;
  turns: TurnTimes[];
  /** Utterances after which rex logged no finished turn in time. */
  missed: number;
  /** Each stage from the true end of speech. */
  fromSpeechEnd: Partial<Record<Stage, Spread>>;
  /** Each stage after the endpoint, from the endpoint's log time. */
  fromEndpoint: Partial<Record<Stage, Spread>>;
  /** Peak resident memory (VmHWM) of the rex listen process after every turn. */
  peakRssMB: number;
}

export interface TurnBenchReport {
  date: string;
  machine: ReturnType<typeof describeMachine>;
  command: string;
  model: string;
  modelPath: string;
  threads: number;
  loadAverage: { before: number; after: number };
  minutes: number;
  results: ResponderResult[];
}

/** Runs every responder's turns and returns the report. */
export async function runTurnBench(options: TurnBenchOptions): Promise<TurnBenchReport> {
  const started = Date.now();
  const loadBefore = loadavg()[0]!;
  const settings = loadSettings(process.env, { model: options.model, threads: options.threads });
  const modelPath = resolveWhisperModel(settings, true);
  const vadModelPath = resolveVadModel(settings);
  const pulse = await startBenchPulseServer(48000, 2);
  try {
    pactl(pulse, ["load-module", "module-null-sink", `sink_name=${OUTPUT_SINK}`, "rate=48000", "channels=2"]);
    options.progress(`speaking ${options.utterances} utterances with espeak-ng`);
    const { stream } = await prepareInputs(pulse.dir, process.cwd(), [], options.utterances);
    const setup = { pulse, modelPath, vadModelPath, threads: settings.threads, modelsDir: settings.modelsDir };
    const results: ResponderResult[] = [];
    for (const responder of options.responders) {
      results.push(await benchResponder(responder, setup, stream, options.progress));
    }
    return {
      date: new Date().toISOString(),
      machine: describeMachine(),
      command: options.command,
      model: options.model,
      modelPath,
      threads: settings.threads,
      loadAverage: { before: loadBefore, after: loadavg()[0]! },
      minutes: (Date.now() - started) / 60_000,
      results,
    };
  } finally {
    await pulse.stop();
  }
}

interface Setup {
  pulse: BenchPulseServer;
  modelPath: string;
  vadModelPath: string;
  threads: number;
  modelsDir: string;
}

async function benchResponder(
  responder: ResponderKind,
  setup: Setup,
  inputs: BenchInput[],
  progress: (message: string) => void,
): Promise<ResponderResult> {
  const llm = responder === "llm" ? await startLlmServer({ reply: LLM_REPLY }) : undefined;
  const dataDir = await mkdtemp(join(tmpdir(), "rex-bench-turn-"));
  const clientEnv = { ...process.env, ...setup.pulse.env };
  const microphone = SinkRecorder.start(BENCH_MONITOR, clientEnv);
  const speaker = SinkRecorder.start(`${OUTPUT_SINK}.monitor`, clientEnv);
  const rex = ListenProcess.start(
    ["--no-wake", "--model", setup.modelPath, "--input-device", BENCH_MONITOR, "--output-device", OUTPUT_SINK],
    listenEnvironment(setup, dataDir, llm?.baseUrl),
  );
  try {
    await rex.waitFor("listening", 1, STARTUP_TIMEOUT_MS);
    const turns: TurnTimes[] = [];
    let missed = 0;
    for (const [index, input] of inputs.entries()) {
      progress(`${responder}: utterance ${index + 1}/${inputs.length}`);
      const turn = await playTurn(rex, setup.pulse, input, turns.length + missed + 1, { microphone, speaker });
      if (turn) turns.push(turn);
      else missed++;
    }
    return { responder, turns, missed, ...summarize(turns), peakRssMB: rex.peakRssMB() };
  } finally {
    await rex.stop();
    microphone.stop();
    speaker.stop();
    await llm?.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * Plays one utterance once rex listens again, and measures the turn. Returns undefined when rex
 * finishes no turn for it, as when whisper heard no words.
 */
async function playTurn(
  rex: ListenProcess,
  pulse: BenchPulseServer,
  input: BenchInput,
  turn: number,
  sinks: { microphone: SinkRecorder; speaker: SinkRecorder },
): Promise<TurnTimes | undefined> {
  await rex.waitFor("waiting for speech", turn, TURN_TIMEOUT_MS);
  const playedAt = Date.now();
  await pulse.play(input.path);
  const finished = await rex.waitFor("turn timings", rex.named("turn timings").length + 1, TURN_TIMEOUT_MS).catch(() => undefined);
  if (!finished) return undefined;
  const endpoint = rex.named("speech ended").find((record) => record.time >= playedAt);
  if (!endpoint) return undefined;
  const speechEnd = sinks.microphone.lastSoundBetween(playedAt, endpoint.time);
  if (speechEnd === undefined) return undefined;
  return turnTimes(endpoint, finished, speechEnd, sinks.speaker.firstSoundAfter(endpoint.time));
}

function turnTimes(endpoint: LogRecord, finished: LogRecord, speechEnd: number, firstSound: number | undefined): TurnTimes {
  const timings = (finished.timings ?? {}) as Partial<Record<"transcript" | "firstToken" | "firstAudio", number>>;
  const endpointMs = endpoint.time - speechEnd;
  const after = (ms: number | undefined) => (ms === undefined ? undefined : endpointMs + ms);
  const times: TurnTimes = {
    endpoint: endpointMs,
    transcript: after(timings.transcript),
    firstToken: after(timings.firstToken),
    firstAudio: after(timings.firstAudio),
  };
  // The first sound must belong to this turn's reply, which ends before rex logs the turn.
  if (firstSound !== undefined && firstSound <= finished.time) times.firstSound = firstSound - speechEnd;
  return times;
}

function summarize(turns: TurnTimes[]): Pick<ResponderResult, "fromSpeechEnd" | "fromEndpoint"> {
  const fromSpeechEnd: ResponderResult["fromSpeechEnd"] = {};
  const fromEndpoint: ResponderResult["fromEndpoint"] = {};
  for (const stage of STAGES) {
    const measured = turns.filter((turn) => turn[stage] !== undefined);
    if (measured.length === 0) continue;
    fromSpeechEnd[stage] = spread(measured.map((turn) => turn[stage]!));
    if (stage !== "endpoint") fromEndpoint[stage] = spread(measured.map((turn) => turn[stage]! - turn.endpoint));
  }
  return { fromSpeechEnd, fromEndpoint };
}

/** Median and nearest-rank 95th percentile. */
export function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const p95 = sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)]!;
  return { median: median(sorted), p95, count: sorted.length };
}

/** rex's environment: the parent's without REX_ and OPENAI_ settings, plus the bench's. */
function listenEnvironment(setup: Setup, dataDir: string, llmBaseUrl: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith("REX_") && !name.startsWith("OPENAI_")) env[name] = value;
  }
  Object.assign(env, setup.pulse.env, {
    REX_LOG_LEVEL: "debug",
    REX_DATA_DIR: dataDir,
    REX_MODELS_DIR: setup.modelsDir,
    REX_VAD_MODEL: setup.vadModelPath,
    REX_THREADS: String(setup.threads),
  });
  if (llmBaseUrl) Object.assign(env, { OPENAI_BASE_URL: llmBaseUrl, REX_LLM_MODEL: MOCK_MODEL });
  return env;
}

function pactl(pulse: BenchPulseServer, args: string[]): void {
  execFileSync("pactl", args, { env: { ...process.env, ...pulse.env }, stdio: ["ignore", "pipe", "pipe"] });
}
