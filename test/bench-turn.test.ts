/**
 * `rex bench turn` end to end with one short run: a real rex listen process, a private PulseAudio
 * server, the loopback LLM server and the offline responder.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import t from "tap";

import { genuineModel, repoRoot, vadModelPath } from "./helpers/fixtures.js";
import { pulseUnavailableReason } from "./helpers/pulse.js";

const cli = join(repoRoot, "dist", "cli", "main.js");
const skip = pulseUnavailableReason();
const dir = mkdtempSync(join(tmpdir(), "rex-bench-turn-test-"));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

function runBench(args: string[]) {
  const env = { ...process.env, REX_VAD_MODEL: vadModelPath };
  return spawnSync(process.execPath, [cli, "bench", "turn", ...args], { encoding: "utf8", timeout: 300_000, env, cwd: dir });
}

t.test("one turn per responder", { skip }, async (t) => {
  const out = join(dir, "TURN.md");
  const result = runBench(["--model", genuineModel("tiny.en"), "--utterances", "1", "--json", "--out", out]);
  t.equal(result.status, 0, `exit status 0 (stderr: ${result.stderr.slice(-3000)})`);

  const report = JSON.parse(result.stdout);
  t.same(report.results.map((entry: { responder: string }) => entry.responder), ["llm", "offline"], "both responders ran");
  for (const entry of report.results) {
    t.equal(entry.turns.length + entry.missed, 1, `${entry.responder}: the utterance is measured or counted as missed`);
    t.ok(entry.peakRssMB > 50, `${entry.responder}: peak memory of rex listen is recorded, got ${entry.peakRssMB} MB`);
    const turn = entry.turns[0];
    if (!turn) continue;
    t.ok(turn.endpoint > 0, `${entry.responder}: the endpoint comes after the end of speech`);
    t.ok(turn.transcript >= turn.endpoint, `${entry.responder}: the transcript comes after the endpoint`);
    t.ok(turn.firstSound >= turn.firstAudio, `${entry.responder}: the reply is heard after it reaches the device`);
  }
  t.ok(existsSync(out), "--out writes the Markdown page");
  t.match(readFileSync(out, "utf8"), /## Goals/, "the page lists the goals");
});

t.test("invalid responders", async (t) => {
  const result = runBench(["--responders", "llm,cloud"]);
  t.equal(result.status, 2, "exit status 2");
  t.match(result.stderr, /--responders takes llm, offline or llm,offline, got 'llm,cloud'/, "the message names the value and the choices");
});
