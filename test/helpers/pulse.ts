/**
 * A private PulseAudio server for tests: a null sink named rex_sink whose monitor source is a real
 * capture device, so audio played into the sink can be recorded back. Each call starts its own
 * server in its own XDG_RUNTIME_DIR, so test files can run in parallel.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";

export const SINK = "rex_sink";
export const MONITOR = "rex_sink.monitor";

/** Commands the helpers run, each with the Debian package that installs it. */
const REQUIRED_COMMANDS: ReadonlyArray<[command: string, debianPackage: string]> = [
  ["pulseaudio", "pulseaudio"],
  ["pactl", "pulseaudio-utils"],
  ["paplay", "pulseaudio-utils"],
  ["parecord", "pulseaudio-utils"],
  ["parec", "pulseaudio-utils"],
  ["espeak-ng", "espeak-ng"],
];

const READY_TIMEOUT_MS = 10_000;
const EXIT_TIMEOUT_MS = 3_000;
/** Fragment size the recorders request, so audio reaches them within a few milliseconds. */
const RECORD_LATENCY_MS = 10;

export interface PulseOptions {
  /** Sample rate of the null sink in Hz, 48000 by default. */
  rate?: number;
  /** Channel count of the null sink, 2 by default. */
  channels?: number;
}

/** A recording of the sink's monitor into a WAV file. */
export interface Recording {
  /** Stops the recorder and returns the path of the finished WAV file. */
  stop(): Promise<string>;
}

/** A block of monitor audio and the time it reached the test process. */
export interface MonitorChunk {
  /** performance.now() when the block arrived. */
  receivedAt: number;
  /** Mono samples at the sink's rate. */
  samples: Float32Array;
}

/** Raw monitor audio streamed to the test process as it is captured. */
export interface MonitorStream {
  /** Sample rate of the chunks in Hz. */
  rate: number;
  chunks: MonitorChunk[];
  /** Stops the recorder once the chunks received so far are stored. */
  stop(): Promise<void>;
}

export interface PulseServer {
  /** Variables a PulseAudio client needs to reach this server: XDG_RUNTIME_DIR and PULSE_SERVER. */
  env: Record<string, string>;
  sink: typeof SINK;
  monitor: typeof MONITOR;
  rate: number;
  channels: number;
  /** A temporary folder for test files, deleted by stop(). */
  dir: string;
  /** Plays a WAV file into the sink and resolves when paplay has played all of it. */
  play(wavPath: string): Promise<void>;
  /** Starts recording the monitor at the sink's rate and channel count as 16-bit WAV. */
  startRecording(): Promise<Recording>;
  /** Records the monitor for `seconds` and returns the WAV path. */
  record(seconds: number): Promise<string>;
  /** Streams the monitor as 32-bit float mono, with the arrival time of each block. */
  streamMonitor(): Promise<MonitorStream>;
  /** Stops the recorders still running and the server, and deletes `dir`. */
  stop(): Promise<void>;
}

/**
 * Returns why the PulseAudio tests cannot run here, naming the missing commands and the Debian
 * packages that install them, or undefined when every command is on PATH.
 */
export function pulseUnavailableReason(): string | undefined {
  const missing = REQUIRED_COMMANDS.filter(([command]) => !onPath(command));
  if (missing.length === 0) return undefined;
  const packages = [...new Set(missing.map(([, debianPackage]) => debianPackage))];
  return (
    `${missing.map(([command]) => command).join(", ")} not found on PATH: ` +
    `install the Debian packages with \`apt-get install -y ${packages.join(" ")}\``
  );
}

/** True when the commands the PulseAudio helpers run are installed. */
export function pulseAvailable(): boolean {
  return pulseUnavailableReason() === undefined;
}

/**
 * Starts a PulseAudio server with no default configuration (so no module suspends the idle sink),
 * a native-protocol socket in a new runtime folder and a null sink, and waits until `pactl info`
 * reaches it.
 */
export async function startPulse(options: PulseOptions = {}): Promise<PulseServer> {
  const rate = options.rate ?? 48000;
  const channels = options.channels ?? 2;
  const dir = await mkdtemp(join(tmpdir(), "rex-pulse-"));
  const runtimeDir = join(dir, "runtime");
  await mkdir(runtimeDir, { mode: 0o700 });
  await chmod(dir, 0o700);
  const env = { XDG_RUNTIME_DIR: runtimeDir, PULSE_SERVER: `unix:${join(runtimeDir, "pulse", "native")}` };
  const clientEnv = { ...process.env, ...env };

  // HOME points into `dir` so the server keeps its cookie and state away from the real home. The
  // socket accepts clients without the cookie, which is safe because the runtime folder is 0700.
  const server = spawn(
    "pulseaudio",
    [
      "-n",
      "--daemonize=no",
      "--exit-idle-time=-1",
      "--use-pid-file=no",
      "--log-target=stderr",
      "-L",
      "module-native-protocol-unix auth-anonymous=1",
      "-L",
      `module-null-sink sink_name=${SINK} rate=${rate} channels=${channels}`,
    ],
    { env: { ...clientEnv, HOME: dir }, stdio: ["ignore", "ignore", "pipe"] },
  );
  const serverLog = collectText(server);
  const children = new Set<ChildProcess>();

  const stop = async () => {
    for (const child of children) await stopProcess(child, "SIGKILL");
    await stopProcess(server, "SIGTERM");
    await rm(dir, { recursive: true, force: true });
  };

  const track = (child: ChildProcess) => {
    children.add(child);
    child.once("exit", () => children.delete(child));
    return child;
  };

  try {
    await waitUntilReady(server, clientEnv, serverLog);
    await keepSinkRendering(clientEnv, track);
  } catch (error) {
    await stop();
    throw error;
  }
  let recordings = 0;

  const startRecording = async (): Promise<Recording> => {
    const path = join(dir, `recording-${++recordings}.wav`);
    const recorder = track(
      spawn(
        "parecord",
        [
          `--device=${MONITOR}`,
          "--file-format=wav",
          "--format=s16le",
          `--rate=${rate}`,
          `--channels=${channels}`,
          `--latency-msec=${RECORD_LATENCY_MS}`,
          path,
        ],
        { env: clientEnv, stdio: ["ignore", "ignore", "pipe"] },
      ),
    );
    const recorderLog = collectText(recorder);
    await waitForSpawn(recorder);
    return {
      async stop() {
        // parecord finishes the WAV header when it gets SIGINT.
        const code = await stopProcess(recorder, "SIGINT");
        if (code !== 0 && code !== null) throw new Error(`parecord exited with status ${code}: ${recorderLog()}`);
        return path;
      },
    };
  };

  const streamMonitor = async (): Promise<MonitorStream> => {
    const recorder = track(
      spawn(
        "parec",
        [`--device=${MONITOR}`, "--raw", "--format=float32le", `--rate=${rate}`, "--channels=1", `--latency-msec=${RECORD_LATENCY_MS}`],
        { env: clientEnv, stdio: ["ignore", "pipe", "pipe"] },
      ),
    );
    collectText(recorder);
    const chunks: MonitorChunk[] = [];
    let partial = Buffer.alloc(0);
    recorder.stdout!.on("data", (data: Buffer) => {
      const receivedAt = performance.now();
      // A block may end inside a sample; keep those bytes for the next block.
      const bytes = partial.length > 0 ? Buffer.concat([partial, data]) : data;
      const whole = bytes.length - (bytes.length % 4);
      partial = Buffer.from(bytes.subarray(whole));
      if (whole === 0) return;
      const samples = new Float32Array(whole / 4);
      for (let i = 0; i < samples.length; i++) samples[i] = bytes.readFloatLE(i * 4);
      chunks.push({ receivedAt, samples });
    });
    await waitForSpawn(recorder);
    return {
      rate,
      chunks,
      async stop() {
        await stopProcess(recorder, "SIGINT");
      },
    };
  };

  return {
    env,
    sink: SINK,
    monitor: MONITOR,
    rate,
    channels,
    dir,
    play: (wavPath) => runToEnd(track(spawn("paplay", [`--device=${SINK}`, wavPath], { env: clientEnv, stdio: ["ignore", "ignore", "pipe"] }))),
    startRecording,
    async record(seconds) {
      const recording = await startRecording();
      await sleep(seconds * 1000);
      return recording.stop();
    },
    streamMonitor,
    stop,
  };
}

/** Writes 16-bit PCM WAV. `channels` contains one array per channel, all the same length, in [-1, 1]. */
export async function writeWav(path: string, channels: Float32Array[], rate: number): Promise<void> {
  const frames = channels[0].length;
  const dataBytes = frames * channels.length * 2;
  const wav = Buffer.alloc(44 + dataBytes);
  wav.write("RIFF", 0, "ascii");
  wav.writeUInt32LE(36 + dataBytes, 4);
  wav.write("WAVE", 8, "ascii");
  wav.write("fmt ", 12, "ascii");
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(channels.length, 22);
  wav.writeUInt32LE(rate, 24);
  wav.writeUInt32LE(rate * channels.length * 2, 28);
  wav.writeUInt16LE(channels.length * 2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write("data", 36, "ascii");
  wav.writeUInt32LE(dataBytes, 40);
  let offset = 44;
  for (let frame = 0; frame < frames; frame++) {
    for (const channel of channels) {
      const sample = Math.max(-1, Math.min(1, channel[frame]));
      wav.writeInt16LE(Math.round(sample * 32767), offset);
      offset += 2;
    }
  }
  await writeFile(path, wav);
}

/**
 * Returns a sine tone with 10 ms linear fades at both ends, so the start and end do not click.
 */
export function sineTone(frequency: number, seconds: number, rate: number, amplitude: number): Float32Array {
  const samples = new Float32Array(Math.round(seconds * rate));
  const fade = Math.round(0.01 * rate);
  for (let i = 0; i < samples.length; i++) {
    const envelope = Math.min(1, i / fade, (samples.length - 1 - i) / fade);
    samples[i] = amplitude * envelope * Math.sin((2 * Math.PI * frequency * i) / rate);
  }
  return samples;
}

/**
 * Speaks `text` with espeak-ng (voice en-us) into a WAV file, 22050 Hz mono as of espeak-ng 1.51.
 * With `ssml`, the text is SSML, so `<break time="1s"/>` inserts a pause.
 */
export async function speakToWav(text: string, path: string, options: { ssml?: boolean } = {}): Promise<void> {
  const args = ["-v", "en-us", ...(options.ssml ? ["-m"] : []), "-w", path, "--", text];
  await runToEnd(spawn("espeak-ng", args, { stdio: ["ignore", "ignore", "pipe"] }));
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? "").split(delimiter).some((dir) => {
    if (dir === "") return false;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Keeps the last 4000 characters of a child's standard error, for error messages. */
function collectText(child: ChildProcess): () => string {
  let text = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (data: string) => {
    text = (text + data).slice(-4000);
  });
  return () => text.trim();
}

async function waitUntilReady(server: ChildProcess, env: NodeJS.ProcessEnv, serverLog: () => string): Promise<void> {
  const deadline = performance.now() + READY_TIMEOUT_MS;
  let lastError = "";
  while (performance.now() < deadline) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(`pulseaudio exited with status ${server.exitCode ?? server.signalCode} before it was ready: ${serverLog()}`);
    }
    try {
      await runToEnd(spawn("pactl", ["info"], { env, stdio: ["ignore", "ignore", "pipe"] }));
      return;
    } catch (error) {
      lastError = (error as Error).message;
    }
    await sleep(100);
  }
  throw new Error(`pulseaudio was not ready after ${READY_TIMEOUT_MS} ms (pactl info: ${lastError}): ${serverLog()}`);
}

/**
 * Starts a low-latency reader on the monitor that runs until the server stops, and waits for its
 * first audio. A null sink with no low-latency client renders up to 2 s ahead and then sleeps.
 * A stream opened in that state gets its first audio up to 2 s late: with PulseAudio 16.1, the
 * first monitor data came 1.99 s after parec started. The reader keeps the sink rendering in
 * 10 ms blocks.
 */
async function keepSinkRendering(env: NodeJS.ProcessEnv, track: (child: ChildProcess) => ChildProcess): Promise<void> {
  const reader = track(
    spawn(
      "parec",
      [`--device=${MONITOR}`, "--raw", "--format=s16le", "--rate=8000", "--channels=1", `--latency-msec=${RECORD_LATENCY_MS}`],
      { env, stdio: ["ignore", "pipe", "pipe"] },
    ),
  );
  const readerLog = collectText(reader);
  const stdout = reader.stdout!;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`parec delivered no monitor audio within ${READY_TIMEOUT_MS} ms: ${readerLog()}`)), READY_TIMEOUT_MS);
    stdout.once("data", () => {
      clearTimeout(timer);
      resolve();
    });
    reader.once("error", reject);
  });
  // Discard the audio from now on.
  stdout.resume();
}

/** Resolves when the child has started, or rejects when it could not be started. */
function waitForSpawn(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", reject);
  });
}

/** Resolves when the child exits with status 0, and rejects with its standard error otherwise. */
function runToEnd(child: ChildProcess): Promise<void> {
  const stderr = collectText(child);
  const name = child.spawnfile;
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${name} exited with ${code ?? signal}: ${stderr()}`));
    });
  });
}

/**
 * Sends `signal` and waits for the child to exit, with SIGKILL after EXIT_TIMEOUT_MS. Returns the
 * exit status, or null when a signal ended the child.
 */
async function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), EXIT_TIMEOUT_MS);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}
