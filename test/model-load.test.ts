import { randomBytes } from "node:crypto";
import { mkdtempSync, openSync, readSync, closeSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import t from "tap";

import { RexError } from "../src/errors.js";
import { Transcriber } from "../src/speech/transcriber.js";
import { fixturePath, genuineModel } from "./helpers/fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "rex-model-"));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

function firstBytes(path: string, count: number): Buffer {
  const buffer = Buffer.alloc(count);
  const fd = openSync(path, "r");
  readSync(fd, buffer, 0, count, 0);
  closeSync(fd);
  return buffer;
}

async function expectLoadFailure(t: Tap.Test, path: string, detail: RegExp): Promise<void> {
  const error = await Transcriber.load(path, { useGpu: false }).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  t.type(error, RexError, "load rejects with a RexError");
  t.equal((error as RexError).code, "MODEL_LOAD_FAILED", "the code is MODEL_LOAD_FAILED");
  t.match((error as RexError).message, path, "the message names the file");
  t.match((error as RexError).message, detail, "the message says what is wrong");
}

t.test("empty file is rejected", async (t) => {
  const path = join(dir, "empty.bin");
  writeFileSync(path, "");
  await expectLoadFailure(t, path, /too short/);
});

t.test("random bytes are rejected", async (t) => {
  const path = join(dir, "random.bin");
  writeFileSync(path, randomBytes(64 * 1024));
  await expectLoadFailure(t, path, /not a ggml/);
});

t.test("truncated genuine model is rejected", async (t) => {
  const path = join(dir, "truncated ggml-tiny.en.bin");
  writeFileSync(path, firstBytes(genuineModel("tiny.en"), 20 * 1024 * 1024));
  await expectLoadFailure(t, path, /truncated/);
});

t.test("header-only model is rejected", async (t) => {
  await expectLoadFailure(t, fixturePath("models", "for-tests-ggml-tiny.en.bin"), /no tensor data/);
});

t.test("missing file is rejected", async (t) => {
  await expectLoadFailure(t, join(dir, "absent.bin"), /cannot open/);
});

t.test("valid model loads after failures", async (t) => {
  const transcriber = await Transcriber.load(genuineModel("tiny.en"), { useGpu: false });
  const info = transcriber.info();
  t.equal(info.type, "tiny", "model type is tiny");
  t.equal(info.multilingual, false, "tiny.en is English-only");
  transcriber.free();
  t.equal(transcriber.freed, true, "free() marks the model freed");
  const error = await transcriber.transcribe(new Float32Array(16000)).catch((caught: unknown) => caught);
  t.equal((error as RexError).code, "MODEL_FREED", "a freed model rejects new work with MODEL_FREED");
});

t.test("non-string path is a TypeError", async (t) => {
  await t.rejects(Transcriber.load(42 as unknown as string), TypeError);
});
