import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (the folder with package.json). */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Shared, read-only test data: REX_FIXTURES_DIR, or ../shared/fixtures beside the repository. */
export const fixturesDir = process.env.REX_FIXTURES_DIR ?? join(repoRoot, "..", "shared", "fixtures");

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
