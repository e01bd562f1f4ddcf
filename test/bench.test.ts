import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import t from "tap";

import { genuineModel, repoRoot } from "./helpers/fixtures.js";

const cli = join(repoRoot, "dist", "cli", "main.js");
const dir = mkdtempSync(join(tmpdir(), "rex-bench-test-"));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

interface Row {
  engine: string;
  wallMs: number;
  loadMs: number;
  melMs: number;
  encodeMs: number;
  decodeMs: number;
  transcribeMs: number;
  maxRssMB: number;
  wordErrorRate: number;
}

t.test("bench --json reports rex alone", async (t) => {
  const out = join(dir, "RESULTS.md");
  const args = ["bench", "--runs", "1", "--models", genuineModel("tiny.en"), "--threads", "2", "--skip-peers", "--json"];
  args.push("--inputs", "2s", "--stream", "1", "--out", out);
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", timeout: 180_000 });
  t.equal(result.status, 0, `exit status 0 (stderr: ${result.stderr.slice(-2000)})`);

  const report = JSON.parse(result.stdout);
  t.equal(report.schema, "rex-bench/1", "schema is named");
  t.equal(report.configs.length, 1, "one configuration");
  const [config] = report.configs;
  t.equal(config.model, "tiny.en", "model is named by its file");
  t.equal(config.threads, 2, "thread count is recorded");
  t.match(config.skipped, [/--skip-peers/], "skipped peers are explained");

  t.equal(config.files.length, 1, "one single-file input");
  t.equal(config.files[0].input, "2s", "the requested input");
  const rows = config.files[0].rows as Row[];
  t.same(rows.map((row) => row.engine), ["rex"], "rex only");
  const [rex] = rows;
  t.ok(rex.loadMs > 0, "model load is timed");
  t.ok(rex.encodeMs > 0, "encoder is timed");
  t.ok(rex.melMs >= 0 && rex.decodeMs > 0, "mel and decoder are timed");
  t.ok(rex.melMs + rex.encodeMs + rex.decodeMs <= rex.transcribeMs + 1, "stages fit in the transcribe call");
  t.ok(rex.wallMs >= rex.loadMs + rex.transcribeMs, "wall time covers load and transcription");
  t.ok(rex.maxRssMB > 0, "peak memory is measured");
  t.ok(rex.wordErrorRate <= 0.5, `the utterance is recognized (WER ${rex.wordErrorRate})`);

  t.same(
    config.stream.rows.map((row: { variant: string }) => row.variant),
    ["rex-full", "rex-fit"],
    "stream rows for both windows",
  );
  t.equal(config.stream.utterances, 1, "stream length as requested");
  const windows = config.audioContext.map((row: { variant: string; audioContext: number }) => [row.variant, row.audioContext]);
  t.equal(windows.length, 3, "three encoder windows");
  t.same(windows[0], ["full", 1500], "full window is 1500 frames");
  t.ok(windows[1][1] < 1500 && windows[2][1] < windows[1][1], "fit and tight windows shrink");

  t.equal(JSON.parse(readFileSync(join(dir, "RESULTS.json"), "utf8")).schema, "rex-bench/1", "--out writes the JSON");
  t.match(readFileSync(out, "utf8"), /^# rex benchmark results/, "--out writes the Markdown page");
  t.ok(existsSync(join(dir, "RESULTS.svg")), "--out writes the chart");
  t.match(readFileSync(join(dir, "RESULTS.svg"), "utf8"), /^<svg /, "the chart is SVG");

  const rendered = spawnSync(process.execPath, [cli, "bench", "--from", join(dir, "RESULTS.json")], { encoding: "utf8", timeout: 60_000 });
  t.equal(rendered.status, 0, `--from exits with 0 (stderr: ${rendered.stderr})`);
  t.match(rendered.stdout, /== tiny\.en, 2 threads, cpu, no flash attention ==/, "--from renders the saved report");
});

t.test("bench rejects unknown inputs", async (t) => {
  const result = spawnSync(process.execPath, [cli, "bench", "--inputs", "60s"], { encoding: "utf8", timeout: 60_000 });
  t.equal(result.status, 2, "usage error status");
  t.match(result.stderr, /unknown input '60s'/, "the message names the input");
});
