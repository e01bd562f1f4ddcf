/**
 * Locations of the repository and of the shared test fixtures, and the genuine Whisper model.
 * Set REX_FIXTURES_DIR to use fixtures from another folder; the default is `shared/fixtures`
 * next to the repository.
 */
import { execFileSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Absolute path of the repository root. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Absolute path of the shared fixtures folder. */
export const fixturesDir = resolve(process.env.REX_FIXTURES_DIR ?? join(repoRoot, "..", "shared", "fixtures"));

/** Joins `parts` onto the fixtures folder, as in `fixturePath("audio", "jfk.wav")`. */
export function fixturePath(...parts: string[]): string {
  return join(fixturesDir, ...parts);
}

/** Reference transcript of jfk.wav and jfk.mp3. */
export const JFK_REFERENCE =
  "And so, my fellow Americans, ask not what your country can do for you, ask what you can do for your country.";

const fetched = new Map<string, string>();

/**
 * Path of a genuine ggml Whisper model ("tiny.en" or "base"), rebuilt and verified by SHA-1 by
 * scripts/fetch-test-model.py. The script caches its result, so only the first call is slow.
 */
export function genuineModel(name: "tiny.en" | "base" = "tiny.en"): string {
  const cached = fetched.get(name);
  if (cached) return cached;
  const output = execFileSync("python3", [join(repoRoot, "scripts", "fetch-test-model.py"), name], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  const path = output.trim().split("\n").pop()!;
  fetched.set(name, path);
  return path;
}

/** The trained Silero VAD model from the shared fixtures. */
export const vadModelPath = fixturePath("models", "ggml-silero-v6.2.0.bin");
