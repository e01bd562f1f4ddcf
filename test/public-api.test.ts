/**
 * The package as an application imports it: `import { ... } from "rex"` resolves through
 * package.json's exports to the built dist/index.js, so this also checks that the build is current.
 */
import t from "tap";

const rex = await import("rex");

t.test("exports by kind", async (t) => {
  const classes = ["Transcriber", "CaptureStream", "PlaybackStream", "Endpointer", "Assistant", "OpenWakeWordDetector", "PhraseSpotter", "RexError"];
  for (const name of classes) t.type((rex as Record<string, unknown>)[name], "function", `${name} is exported`);
  const functions = ["decodeAudioFile", "listDevices", "loadVad", "createWakeWordDetector", "enroll", "readVerifier", "loadSettings", "engineInfo", "pullModel"];
  for (const name of functions) t.type((rex as Record<string, unknown>)[name], "function", `${name} is exported`);
  t.equal(rex.DEFAULT_WAKE_WORD, "hey_jarvis", "the default wake word is exported");
  t.equal(rex.PHRASE_DEFAULTS.scoring, "guided", "the phrase engine scores by guided decoding by default");
  t.equal(rex.SAMPLE_RATE, 16000, "the sample rate is 16 kHz");
});

t.test("engine versions", async (t) => {
  const info = rex.engineInfo();
  t.equal(info.whisper, "1.9.1", "whisper.cpp version");
  t.match(info.miniaudio, /^0\.11\./, "miniaudio version");
  t.ok(info.backends.includes("cpu"), `the CPU backend is built in, got ${info.backends.join(", ")}`);
});

t.test("wake-word errors", async (t) => {
  await t.rejects(rex.createWakeWordDetector("hey_jarvs"), { code: "WAKE_MODEL_NOT_FOUND" }, "a misspelt model name is WAKE_MODEL_NOT_FOUND");
  await t.rejects(rex.createWakeWordDetector("hey rex"), TypeError, "a phrase without a VAD model is a TypeError");
});
