/**
 * The capture device disappears while rex reads it: the PulseAudio server is killed during
 * capture and started again. rex must report the loss as an event, keep the process alive,
 * and read audio again once the server is back.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

import t from "tap";

import { ReconnectingCapture } from "../src/audio/reconnecting-capture.js";
import type { RexError } from "../src/errors.js";
import { pulseUnavailableReason } from "./helpers/pulse.js";

const skip = pulseUnavailableReason();
t.setTimeout(120_000);

const dir = mkdtempSync(join(tmpdir(), "rex-lost-"));
const runtimeDir = join(dir, "runtime");
mkdirSync(runtimeDir, { mode: 0o700 });
// rex's audio client reads these when it opens a device, so they are set before any capture.
process.env.XDG_RUNTIME_DIR = runtimeDir;
process.env.PULSE_SERVER = `unix:${join(runtimeDir, "pulse", "native")}`;
let server: ChildProcess | undefined;
t.teardown(() => {
  server?.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

async function startServer(): Promise<ChildProcess> {
  const child = spawn(
    "pulseaudio",
    [
      "-n",
      "--daemonize=no",
      "--exit-idle-time=-1",
      "--use-pid-file=no",
      "-L",
      "module-native-protocol-unix auth-anonymous=1",
      "-L",
      "module-null-sink sink_name=rex_sink rate=48000 channels=2",
    ],
    { env: { ...process.env, HOME: dir }, stdio: "ignore" },
  );
  for (let attempt = 0; attempt < 100; attempt++) {
    if (spawnSync("pactl", ["info"], { env: process.env, stdio: "ignore" }).status === 0) return child;
    await sleep(100);
  }
  throw new Error("PulseAudio did not start within 10 s");
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

t.test("capture survives a server restart", { skip }, async (t) => {
  server = await startServer();
  const capture = new ReconnectingCapture({ device: "rex_sink.monitor" });
  const errors: RexError[] = [];
  let restored = 0;
  capture.on("deviceError", (error) => errors.push(error));
  capture.on("deviceRestored", () => restored++);
  let frames = 0;
  const reading = (async () => {
    for await (const frame of capture.frames(512)) if (frame.length === 512) frames++;
  })();

  t.ok(await waitFor(() => frames > 30, 10_000), "frames arrive from the monitor");
  server.kill("SIGKILL");
  await new Promise((resolve) => server!.once("exit", resolve));
  t.ok(await waitFor(() => errors.length > 0, 15_000), "the lost device is reported as an event");
  t.match(errors[0]?.code, /^AUDIO_DEVICE_(LOST|NOT_FOUND|OPEN_FAILED)$/, `the event carries a device error code (${errors[0]?.code})`);

  server = await startServer();
  t.ok(await waitFor(() => restored > 0, 30_000), "the device is reopened once the server is back");
  const before = frames;
  t.ok(await waitFor(() => frames > before + 30, 10_000), "frames arrive again after the reopen");

  capture.close();
  await reading;
  t.pass("the process is still running and the iteration ended cleanly");
});
