import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import t from "tap";

import { ENVIRONMENT_SETTINGS, loadSettings } from "../src/config/load.js";
import { RexError } from "../src/errors.js";
import { repoRoot } from "./helpers/fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "rex-config-"));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const cli = join(repoRoot, "dist", "cli", "main.js");

function settingsError(run: () => unknown): RexError {
  try {
    run();
  } catch (error) {
    return error as RexError;
  }
  throw new Error("expected loadSettings to throw");
}

t.test(".env.example matches the schema", async (t) => {
  const text = readFileSync(join(repoRoot, ".env.example"), "utf8");
  const documented = new Map([...text.matchAll(/^# ([A-Z_]+)=(.*)$/gm)].map((match) => [match[1], match[2]]));
  const variables = ENVIRONMENT_SETTINGS.map(([variable]) => variable);
  t.same([...documented.keys()].sort(), [...variables].sort(), "every variable is documented, and only those");
  const defaults = loadSettings({ HOME: dir }, {}, { cwd: dir });
  for (const [variable, path] of ENVIRONMENT_SETTINGS) {
    const value = path.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], defaults);
    const shown = documented.get(variable);
    if (shown === "" || variable === "REX_THREADS") continue;
    if (Array.isArray(value)) {
      t.equal(shown, value.join(","), `${variable} shows the default ${value.join(",")}`);
      continue;
    }
    t.equal(shown, String(value), `${variable} shows the default ${String(value)}`);
  }
});

t.test("layers apply in order", async (t) => {
  const cwd = mkdtempSync(join(dir, "layers-"));
  writeFileSync(join(cwd, "rex.config.json"), JSON.stringify({ endOfSpeechMs: 700, preRollMs: 200, tts: { rate: 150 } }));
  writeFileSync(join(cwd, ".env"), "REX_PRE_ROLL_MS=250\nREX_LANGUAGE=de\n");
  const settings = loadSettings({ REX_LANGUAGE: "fr", HOME: dir }, { tts: { voice: "en-gb" } }, { cwd });
  t.equal(settings.endOfSpeechMs, 700, "the config file sets a value");
  t.equal(settings.preRollMs, 250, ".env wins over the config file");
  t.equal(settings.language, "fr", "the environment wins over .env");
  t.equal(settings.tts.voice, "en-gb", "a flag wins over everything");
  t.equal(settings.tts.rate, 150, "a nested value from the file survives a flag on its sibling");
});

t.test("invalid value names the setting", async (t) => {
  const error = settingsError(() => loadSettings({ REX_VAD_THRESHOLD: "2" }, {}, { cwd: dir }));
  t.equal(error.code, "CONFIG_INVALID", "the code is CONFIG_INVALID");
  t.match(error.message, /vadThreshold \(REX_VAD_THRESHOLD\) = 2/, "the message names the setting, variable and value");
  t.match(error.message, /<=0\.95/, "the message says what is allowed");
});

t.test("unknown config key is rejected", async (t) => {
  const cwd = mkdtempSync(join(dir, "typo-"));
  writeFileSync(join(cwd, "rex.config.json"), JSON.stringify({ endOfSpeechMillis: 500 }));
  const error = settingsError(() => loadSettings({}, {}, { cwd }));
  t.match(error.message, /unknown setting 'endOfSpeechMillis'/, "the message names the unknown key");
});

t.test("broken config file is reported", async (t) => {
  const cwd = mkdtempSync(join(dir, "broken-"));
  writeFileSync(join(cwd, "rex.config.json"), "{ not json");
  const error = settingsError(() => loadSettings({}, {}, { cwd }));
  t.match(error.message, /is not valid JSON/, "the message says the file is not JSON");
  t.equal(readFileSync(join(cwd, "rex.config.json"), "utf8"), "{ not json", "the file is left as it was");
});

t.test("config set validates before writing", async (t) => {
  const cwd = mkdtempSync(join(dir, "cli-"));
  const env = { ...process.env, REX_END_OF_SPEECH_MS: "" };
  const run = (...args: string[]) => spawnSync(process.execPath, [cli, "config", ...args], { cwd, env, encoding: "utf8" });
  t.equal(run("set", "endOfSpeechMs", "800").status, 0, "a valid value is written");
  t.same(JSON.parse(readFileSync(join(cwd, "rex.config.json"), "utf8")), { endOfSpeechMs: 800 }, "the file holds the value");
  const bad = run("set", "endOfSpeechMs", "5");
  t.equal(bad.status, 2, "an invalid value fails with status 2");
  t.same(JSON.parse(readFileSync(join(cwd, "rex.config.json"), "utf8")), { endOfSpeechMs: 800 }, "the file is unchanged");
  t.equal(run("get", "endOfSpeechMs").stdout.trim(), "800", "config get reads it back");
  t.equal(run("set", "nope", "1").status, 2, "an unknown key fails");
});

t.test("config show masks the API key", async (t) => {
  const result = spawnSync(process.execPath, [cli, "config", "show"], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, OPENAI_API_KEY: "sk-test-secret-123" },
  });
  t.equal(result.status, 0, "config show succeeds");
  t.notMatch(result.stdout, /sk-test-secret-123/, "the key does not appear");
  t.equal(JSON.parse(result.stdout).llm.apiKey, "(hidden)", "the key is shown as hidden");
});
