import { execFile } from "node:child_process";
import { dirname, join } from "node:path";

import t from "tap";

import { genuineModel, repoRoot, vadModelPath } from "./helpers/fixtures.js";
import { startLlmServer } from "./helpers/llm-server.js";
import { pulseUnavailableReason, startPulse } from "./helpers/pulse.js";

const skip = pulseUnavailableReason();
const cli = join(repoRoot, "dist", "cli", "main.js");

t.test("doctor passes and fails clearly", { skip }, async (t) => {
  const pulse = await startPulse();
  t.teardown(() => pulse.stop());
  const server = await startLlmServer({ reply: "ok" });
  t.teardown(() => server.close());
  const env = {
    ...process.env,
    ...pulse.env,
    REX_MODEL: "tiny.en",
    REX_MODELS_DIR: dirname(genuineModel("tiny.en")),
    REX_VAD_MODEL: vadModelPath,
    OPENAI_BASE_URL: server.baseUrl,
    OPENAI_API_KEY: "test",
  };
  // The LLM server runs in this process, so the CLI must run without blocking the event loop.
  const run = (extra: Record<string, string>) =>
    new Promise<{ status: number; stdout: string }>((resolve) => {
      execFile(process.execPath, [cli, "doctor", "--json"], { cwd: pulse.dir, env: { ...env, ...extra } }, (error, stdout) => {
        resolve({ status: error ? Number(error.code ?? 1) : 0, stdout });
      });
    });

  const good = await run({});
  const results = JSON.parse(good.stdout) as Array<{ name: string; ok: boolean; detail: string }>;
  t.equal(good.status, 0, `doctor exits 0 when every check passes: ${good.stdout}`);
  for (const name of ["native addon", "whisper model", "VAD model", "wake word", "capture device", "playback device", "espeak-ng", "LLM endpoint"]) {
    t.ok(results.find((result) => result.name === name)?.ok, `${name} passes`);
  }

  const bad = await run({ OPENAI_BASE_URL: "http://127.0.0.1:9/v1" });
  t.equal(bad.status, 1, "doctor exits 1 when a check fails");
  const llm = (JSON.parse(bad.stdout) as Array<{ name: string; ok: boolean; detail: string }>).find((result) => result.name === "LLM endpoint");
  t.equal(llm?.ok, false, "the LLM check fails");
  t.match(llm?.detail ?? "", /unreachable/, "the detail says the endpoint is unreachable");

  const missing = join(pulse.dir, "missing.verifier.json");
  const unenrolled = await run({ REX_WAKE_VERIFIERS: missing });
  const wake = (JSON.parse(unenrolled.stdout) as Array<{ name: string; ok: boolean; detail: string }>).find((result) => result.name === "wake word");
  t.equal(unenrolled.status, 1, "doctor exits 1 for a missing verifier file");
  t.equal(wake?.ok, false, "the wake-word check fails");
  t.match(wake?.detail ?? "", "missing.verifier.json", "the detail names the file");
});
