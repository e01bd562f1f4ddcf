import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";

import t from "tap";

import { RexError } from "../src/errors.js";
import { OpenAISpeechSynthesizer } from "../src/tts/openai-speech.js";
import { PiperSynthesizer } from "../src/tts/piper.js";
import { createSynthesizer } from "../src/tts/select.js";

const dir = mkdtempSync(join(tmpdir(), "rex-tts-"));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test("openai speech decodes the WAV reply", async (t) => {
  const wavPath = join(dir, "reply.wav");
  execFileSync("espeak-ng", ["-w", wavPath, "hello there"]);
  const wav = readFileSync(wavPath);
  const requests: Array<Record<string, unknown>> = [];
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      requests.push({ url: request.url, ...JSON.parse(body) });
      response.writeHead(200, { "content-type": "audio/wav" }).end(wav);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.teardown(() => server.close());
  const port = (server.address() as { port: number }).port;

  const synthesizer = new OpenAISpeechSynthesizer({ baseUrl: `http://127.0.0.1:${port}/v1`, apiKey: "test", voice: "nova" });
  const audio = await synthesizer.synthesize("Hello there \u0007!");
  t.equal(requests[0]?.url, "/v1/audio/speech", "the request goes to /audio/speech");
  t.equal(requests[0]?.input, "Hello there !", "control characters are cleaned before sending");
  t.equal(requests[0]?.voice, "nova", "the configured voice is sent");
  t.equal(requests[0]?.response_format, "wav", "WAV is requested");
  t.equal(audio.sampleRate, 22050, "the WAV's rate is kept");
  t.ok(audio.pcm.length > 0.3 * 22050, "the reply decodes to audio");
});

t.test("openai speech failure is TTS_FAILED", async (t) => {
  const server = createServer((_request, response) => response.writeHead(500).end("{}"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.teardown(() => server.close());
  const port = (server.address() as { port: number }).port;
  const synthesizer = new OpenAISpeechSynthesizer({ baseUrl: `http://127.0.0.1:${port}/v1`, apiKey: "test" });
  const error = await synthesizer.synthesize("hello").catch((caught: unknown) => caught);
  t.type(error, RexError, "rejects with a RexError");
  t.equal((error as RexError).code, "TTS_FAILED", "the code is TTS_FAILED");
});

t.test("piper gets text on stdin", async (t) => {
  // A stand-in with piper's interface: it writes one 16-bit sample per input character.
  const script = join(dir, "fake-piper");
  writeFileSync(
    script,
    `#!/usr/bin/env node\nlet text = "";\nprocess.stdin.on("data", (d) => (text += d));\n` +
      `process.stdin.on("end", () => { const out = Buffer.alloc(text.length * 2); for (let i = 0; i < text.length; i++) out.writeInt16LE(16384, i * 2); process.stdout.write(out); });\n`,
  );
  chmodSync(script, 0o755);
  const synthesizer = new PiperSynthesizer({ binary: script, model: join(dir, "voice.onnx") });
  const audio = await synthesizer.synthesize("it's $(date); ok");
  t.equal(audio.pcm.length, "it's $(date); ok\n".length, "the text reached piper unchanged, through stdin");
  t.equal(audio.pcm[0], 0.5, "raw 16-bit samples are scaled to floats");
  const missing = new PiperSynthesizer({ binary: join(dir, "no-piper"), model: "x.onnx" });
  const error = await missing.synthesize("hello").catch((caught: unknown) => caught);
  t.equal((error as RexError).code, "TTS_FAILED", "a missing binary is TTS_FAILED");
});

t.test("provider selection checks settings", async (t) => {
  t.throws(() => createSynthesizer({ provider: "openai" }), RangeError, "openai needs a server");
  t.throws(() => createSynthesizer({ provider: "piper" }), RangeError, "piper needs a voice model");
  t.equal(createSynthesizer({ provider: "espeak" }).constructor.name, "EspeakSynthesizer", "espeak is the default engine");
});
