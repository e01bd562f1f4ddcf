/**
 * `rex wake enroll --record` through a real capture device: a PulseAudio null sink. The test plays
 * espeak-ng's "hey jarvis" into the sink at each prompt, then two sentences, and checks that the
 * verifier rex writes makes a detector wake on a new recording of the same voice.
 */
import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import t from "tap";

import { synthesize } from "../src/wake/dataset.js";
import { OpenWakeWordDetector } from "../src/wake/openwakeword.js";
import { readVerifier } from "../src/wake/verifier.js";
import { repoRoot, vadModelPath } from "./helpers/fixtures.js";
import { pulseUnavailableReason, startPulse, type PulseServer } from "./helpers/pulse.js";
import { encodeWav } from "./helpers/wav.js";

const skip = pulseUnavailableReason();
const CLI = join(repoRoot, "dist", "cli", "main.js");
const EXIT_TIMEOUT_MS = 240_000;
t.setTimeout(300_000);

/** Writes espeak-ng speech with half a second of quiet on each side as a 16-bit WAV file. */
async function speechWav(path: string, text: string, rate: number): Promise<void> {
  const speech = await synthesize("en-us", "", rate, 50, text);
  const samples = new Float32Array(16000 + speech.length);
  samples.set(speech, 8000);
  writeFileSync(path, encodeWav({ samples: [samples], sampleRate: 16000, format: "pcm16" }));
}

/** Returns the WAV file that answers a prompt line of `rex wake enroll --record`, if it is one. */
function promptedWav(line: string): string | undefined {
  const wake = /say "hey jarvis" \((\d) of 3\)/.exec(line);
  if (wake) return `wake-${Number(wake[1]) - 1}.wav`;
  const sentence = /without the wake word \((\d) of 2\)/.exec(line);
  if (sentence) return `sentence-${Number(sentence[1]) - 1}.wav`;
  return undefined;
}

function cliEnvironment(pulse: PulseServer): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith("REX_") && !name.startsWith("OPENAI_")) env[name] = value;
  }
  // HOME moves the negative bank's cache into the test folder.
  return { ...env, ...pulse.env, HOME: pulse.dir, REX_DATA_DIR: join(pulse.dir, "data"), REX_VAD_MODEL: vadModelPath };
}

t.test("enroll by recording from the microphone", { skip }, async (t) => {
  const pulse = await startPulse({ rate: 48000, channels: 2 });
  t.teardown(() => pulse.stop());
  for (const [index, rate] of [150, 175, 200].entries()) await speechWav(join(pulse.dir, `wake-${index}.wav`), "hey jarvis", rate);
  await speechWav(join(pulse.dir, "sentence-0.wav"), "the garden looks lovely after all that rain", 175);
  await speechWav(join(pulse.dir, "sentence-1.wav"), "we are out of coffee, so I will get some later", 175);
  const out = join(pulse.dir, "hey_jarvis.verifier.json");

  const args = ["wake", "enroll", "--record", "3", "--device", pulse.monitor, "--bank-voices", "gmw/en-GB-x-rp", "--out", out];
  const child = spawn(process.execPath, [CLI, ...args], { cwd: pulse.dir, env: cliEnvironment(pulse), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  let played = Promise.resolve();
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const line of chunk.toString().split("\n")) {
      const wav = promptedWav(line);
      if (wav) played = played.then(() => pulse.play(join(pulse.dir, wav)));
    }
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), EXIT_TIMEOUT_MS);
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  clearTimeout(timer);
  await played;

  t.equal(code, 0, `exit status 0, stderr:\n${stderr}`);
  t.equal(stderr.match(/say "hey jarvis"/g)?.length, 3, "three wake-word prompts");
  t.equal(stderr.match(/without the wake word/g)?.length, 2, "two sentence prompts");
  t.match(stdout, /verifier for hey_jarvis written to .*hey_jarvis\.verifier\.json/, "stdout names the file");
  t.ok(existsSync(out), "the verifier file exists");

  const verifier = readVerifier(out);
  const detector = await OpenWakeWordDetector.load(["hey_jarvis"], { verifiers: [verifier] });
  t.teardown(() => detector.close());
  const fresh = await synthesize("en-us", "", 165, 50, "hey jarvis, stop the alarm");
  const clip = new Float32Array(32000 + fresh.length);
  clip.set(fresh, 16000);
  const detections = await detector.process(clip);
  t.equal(detections.length, 1, "a new recording of the enrolled voice wakes the detector");
});
