import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import t from "tap";

import { fixturePath, genuineModel, JFK_REFERENCE, repoRoot } from "./helpers/fixtures.js";
import { wordErrorRate } from "./helpers/wer.js";

const cli = join(repoRoot, "dist", "cli", "main.js");
const dir = mkdtempSync(join(tmpdir(), "rex cli '\";"));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

// Models come from a private folder, so the test does not depend on what the user downloaded.
const modelsDir = join(dir, "models");
const env = { ...process.env, REX_MODELS_DIR: modelsDir, REX_LOG_LEVEL: "info", OPENAI_BASE_URL: "", OPENAI_API_KEY: "" };

function rex(...args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", env, timeout: 120_000 });
}

t.before(() => {
  spawnSync("mkdir", ["-p", modelsDir]);
  copyFileSync(genuineModel("tiny.en"), join(modelsDir, "ggml-tiny.en.bin"));
  copyFileSync(fixturePath("models", "ggml-silero-v6.2.0.bin"), join(modelsDir, "ggml-silero-v6.2.0.bin"));
});

t.test("transcribe prints only the text", async (t) => {
  const result = rex("transcribe", "--model", "tiny.en", fixturePath("audio", "jfk.wav"));
  t.equal(result.status, 0, `exit status 0 (stderr: ${result.stderr})`);
  const lines = result.stdout.trim().split("\n");
  t.equal(lines.length, 1, "standard output is one line of text");
  t.ok(wordErrorRate(JFK_REFERENCE, lines[0]) <= 0.05, `text matches the reference: ${lines[0]}`);
});

t.test("default model falls back", async (t) => {
  const result = rex("transcribe", fixturePath("audio", "jfk.mp3"));
  t.equal(result.status, 0, `exit status 0 (stderr: ${result.stderr})`);
  t.match(result.stderr, /base\.en is not downloaded; using tiny\.en/, "a warning names the model used instead");
  t.ok(wordErrorRate(JFK_REFERENCE, result.stdout) <= 0.05, "the fallback model transcribes");
});

t.test("transcribe --json gives segments", async (t) => {
  const result = rex("transcribe", "--json", "--model", "tiny.en", "--threads", "2", fixturePath("audio", "jfk.wav"));
  t.equal(result.status, 0, "exit status 0");
  const parsed = JSON.parse(result.stdout) as { text: string; language: string; segments: Array<{ start: number; end: number; text: string }> };
  t.equal(parsed.language, "en", "language is reported");
  t.ok(parsed.segments.length > 0, "segments are listed");
  t.ok(parsed.segments.every((segment) => segment.end > segment.start), "segments have increasing times");
});

t.test("awkward file names work", async (t) => {
  const names = ["with space.wav", "quote'single.wav", 'quote"double.wav', "semi;colon.mp3", "$(touch pwned).wav", "-dash.wav"];
  for (const name of names) copyFileSync(fixturePath("audio", name.endsWith(".mp3") ? "jfk.mp3" : "jfk.wav"), join(dir, name));
  const result = rex("transcribe", "--model", "tiny.en", "--", ...names.map((name) => join(dir, name)));
  t.equal(result.status, 0, `exit status 0 (stderr: ${result.stderr})`);
  const lines = result.stdout.trim().split("\n");
  t.equal(lines.length, names.length, "one line per file");
  for (const [i, name] of names.entries()) {
    t.ok(lines[i].startsWith(`${join(dir, name)}: `), `line ${i} names ${name}`);
    t.ok(wordErrorRate(JFK_REFERENCE, lines[i].slice(join(dir, name).length + 2)) <= 0.05, `${name} transcribes`);
  }
  t.notOk(spawnSync("test", ["-e", join(repoRoot, "pwned")]).status === 0, "no shell ran the file name");
});

t.test("missing file fails clearly", async (t) => {
  const missing = join(dir, "nope.wav");
  const result = rex("transcribe", "--model", "tiny.en", missing);
  t.equal(result.status, 1, "exit status 1");
  t.equal(result.stdout, "", "nothing on standard output");
  t.match(result.stderr, `audio file not found: '${missing}'`, "the message names the file");
  t.notMatch(result.stderr, /\n\s+at /, "no stack trace");
});

t.test("one bad file keeps the others", async (t) => {
  const bad = join(dir, "not audio.wav");
  writeFileSync(bad, "this is text, not audio\n");
  const result = rex("transcribe", "--model", "tiny.en", bad, fixturePath("audio", "jfk.wav"));
  t.equal(result.status, 1, "exit status 1 because one file failed");
  t.match(result.stderr, /cannot decode/, "the bad file is reported");
  t.match(result.stdout, /ask not what your country/, "the good file is still transcribed");
});

t.test("unknown model name fails clearly", async (t) => {
  const result = rex("transcribe", "--model", "huge.en", fixturePath("audio", "jfk.wav"));
  t.equal(result.status, 1, "exit status 1");
  t.match(result.stderr, /unknown model 'huge\.en': use one of tiny, tiny\.en/, "the message lists valid names");
});

t.test("invalid threads flag", async (t) => {
  const result = rex("transcribe", "--threads", "zero", fixturePath("audio", "jfk.wav"));
  t.equal(result.status, 2, "exit status 2 for a usage error");
  t.match(result.stderr, /--threads must be a positive integer, got 'zero'/, "the message names the flag and value");
});

t.test("invalid setting names the variable", async (t) => {
  const result = spawnSync(process.execPath, [cli, "transcribe", fixturePath("audio", "jfk.wav")], {
    encoding: "utf8",
    env: { ...env, REX_END_OF_SPEECH_MS: "fast" },
  });
  t.equal(result.status, 2, "exit status 2");
  t.match(result.stderr, /endOfSpeechMs \(REX_END_OF_SPEECH_MS\) = "fast"/, "the message names the setting and variable");
});

t.test("models list and path", async (t) => {
  const list = rex("models", "list");
  t.equal(list.status, 0, "models list succeeds");
  t.match(list.stdout, /tiny\.en\s+whisper\s+75 MiB\s+downloaded/, "tiny.en is shown as downloaded");
  const path = rex("models", "path", "tiny.en");
  t.equal(path.stdout.trim(), join(modelsDir, "ggml-tiny.en.bin"), "models path prints the file");
  const missing = rex("models", "path", "small.en");
  t.equal(missing.status, 1, "a model that is not downloaded fails");
  t.match(missing.stderr, /rex models pull small\.en/, "the message gives the command that fixes it");
});

t.test("version and help", async (t) => {
  const version = rex("--version");
  t.match(version.stdout.trim(), /^\d+\.\d+\.\d+$/, "--version prints the version");
  const help = rex("--help");
  for (const command of ["listen", "transcribe", "devices", "models"]) t.match(help.stdout, command, `help lists ${command}`);
  const listenHelp = rex("listen", "--help");
  t.match(listenHelp.stdout, /--no-wake/, "listen accepts --no-wake");
});
