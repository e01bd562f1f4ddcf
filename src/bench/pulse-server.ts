/**
 * A private PulseAudio server for the audio benchmark: a null sink whose monitor source is a
 * capture device, so audio played into the sink reaches rex as if from a microphone. The server
 * runs in a new XDG_RUNTIME_DIR, so it never touches the user's own PulseAudio session.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { chmod, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export const BENCH_SINK = "rex_sink";
export const BENCH_MONITOR = `${BENCH_SINK}.monitor`;

const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 3_000;

export interface BenchPulseServer {
  /** XDG_RUNTIME_DIR and PULSE_SERVER for clients of this server. */
  env: { XDG_RUNTIME_DIR: string; PULSE_SERVER: string };
  /** Backend id of the monitor source, for CaptureStream.open({ device }). */
  monitor: string;
  /** Temporary folder for generated audio, deleted by stop(). */
  dir: string;
  /** Plays a WAV file into the sink and resolves when paplay exits. */
  play(wavPath: string): Promise<void>;
  /** Stops paplay and the other helpers, then the server, and deletes `dir`. */
  stop(): Promise<void>;
}

/**
 * Starts `pulseaudio -n` (no default.pa, so no module suspends the idle sink) with a unix socket
 * and a null sink of `rate` Hz and `channels` channels, and waits until `pactl info` connects.
 */
export async function startBenchPulseServer(rate = 48000, channels = 2): Promise<BenchPulseServer> {
  const dir = await mkdtemp(join(tmpdir(), "rex-bench-pulse-"));
  await chmod(dir, 0o700);
  const runtimeDir = join(dir, "runtime");
  await mkdir(runtimeDir, { mode: 0o700 });
  const env = { XDG_RUNTIME_DIR: runtimeDir, PULSE_SERVER: `unix:${join(runtimeDir, "pulse", "native")}` };
  const clientEnv = { ...process.env, ...env };

  // HOME inside `dir` keeps the server's cookie and state out of the real home. Anonymous auth is
  // safe here because only this user can enter the 0700 runtime folder.
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
      `module-null-sink sink_name=${BENCH_SINK} rate=${rate} channels=${channels}`,
    ],
    { env: { ...clientEnv, HOME: dir }, stdio: ["ignore", "ignore", "pipe"] },
  );
  const serverLog = tailStderr(server);
  let spawnError: Error | undefined;
  server.once("error", (error) => {
    spawnError = error;
  });
  const helpers = new Set<ChildProcess>();
  const track = (child: ChildProcess): ChildProcess => {
    helpers.add(child);
    child.once("exit", () => helpers.delete(child));
    return child;
  };

  const stop = async (): Promise<void> => {
    for (const child of helpers) await stopChild(child, "SIGKILL");
    await stopChild(server, "SIGTERM");
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await waitForServer(server, clientEnv, () => spawnError ?? serverLog());
    await startRenderClock(clientEnv, track);
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    env,
    monitor: BENCH_MONITOR,
    dir,
    play: (wavPath) => runChild(track(spawn("paplay", [`--device=${BENCH_SINK}`, wavPath], { env: clientEnv, stdio: ["ignore", "ignore", "pipe"] }))),
    stop,
  };
}

/** `serverLog` returns the server's standard error, or the error that kept it from starting. */
async function waitForServer(server: ChildProcess, env: NodeJS.ProcessEnv, serverLog: () => string | Error): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError = "";
  while (Date.now() < deadline) {
    const log = serverLog();
    if (log instanceof Error) {
      throw new Error(`pulseaudio could not be started (${log.message}): install the pulseaudio and pulseaudio-utils packages`);
    }
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(`pulseaudio exited with ${server.exitCode ?? server.signalCode} before it accepted clients: ${serverLog()}`);
    }
    try {
      await runChild(spawn("pactl", ["info"], { env, stdio: ["ignore", "ignore", "pipe"] }));
      return;
    } catch (error) {
      lastError = (error as Error).message;
    }
    await sleep(100);
  }
  throw new Error(`pulseaudio did not accept clients within ${READY_TIMEOUT_MS} ms (last pactl info: ${lastError}): ${serverLog()}`);
}

/**
 * Keeps a 10 ms-latency parec reading the monitor until the server stops. Without a low-latency
 * client, a null sink renders up to 2 s ahead and then sleeps (seen with PulseAudio 16.1), so new
 * streams would get their first audio up to 2 s late and the end-of-speech delays would include that wait.
 */
async function startRenderClock(env: NodeJS.ProcessEnv, track: (child: ChildProcess) => ChildProcess): Promise<void> {
  const reader = track(
    spawn("parec", [`--device=${BENCH_MONITOR}`, "--raw", "--format=s16le", "--rate=8000", "--channels=1", "--latency-msec=10"], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
  const readerLog = tailStderr(reader);
  const stdout = reader.stdout!;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`parec on ${BENCH_MONITOR} delivered no audio within ${READY_TIMEOUT_MS} ms: ${readerLog()}`)),
      READY_TIMEOUT_MS,
    );
    stdout.once("data", () => {
      clearTimeout(timer);
      resolve();
    });
    reader.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
  stdout.resume();
}

/** Keeps the last 4000 characters of the child's standard error for error messages. */
function tailStderr(child: ChildProcess): () => string {
  let text = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (data: string) => {
    text = (text + data).slice(-4000);
  });
  return () => text.trim();
}

/** Resolves when the child exits with status 0, else rejects with its standard error. */
export function runChild(child: ChildProcess): Promise<void> {
  const stderr = tailStderr(child);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${child.spawnfile} exited with ${code ?? signal}: ${stderr()}`));
    });
  });
}

/** Sends `signal`, then SIGKILL after STOP_TIMEOUT_MS, and waits for the child to exit. */
async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
  try {
    await closed;
  } finally {
    clearTimeout(timer);
  }
}
