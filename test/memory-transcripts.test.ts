import { readFileSync, readdirSync } from "node:fs";
import { appendFile } from "node:fs/promises";
import { join } from "node:path";

import t, { type Test } from "tap";

import { RexError, isRexError } from "../src/errors.js";
import { exportHistory } from "../src/memory/export.js";
import { openMemory } from "../src/memory/memory.js";
import { readTranscripts } from "../src/memory/transcripts.js";

const TIMINGS = { transcript: 180, reply: 420, firstAudio: 610 };
const ALICE = JSON.stringify({ name: "Alice", aliases: ["Ally"] });

async function rejection(promise: Promise<unknown>): Promise<RexError> {
  try {
    await promise;
  } catch (error) {
    return error as RexError;
  }
  throw new Error("expected the promise to reject");
}

/** Opens Alice's memory in a new root, in UTC, and records three turns on two days. */
async function aliceWithTurns(t: Test) {
  const root = t.testdir({ Memory: { alice: { "core.json": ALICE } } });
  const memory = await openMemory({ root, user: "alice", timeZone: "UTC" });
  await memory.recordTurn({ time: new Date("2025-06-01T09:00:00Z"), transcript: "What time is it?", reply: "It is 9 AM.", timings: TIMINGS });
  await memory.recordTurn({ time: new Date("2025-06-01T21:15:30Z"), transcript: "Search for Oslo", reply: "Oslo is in Norway.", timings: TIMINGS });
  await memory.recordTurn({ time: new Date("2025-06-02T07:05:00Z"), transcript: "Good morning", reply: "Good morning, Alice!" });
  return { root, memory, dir: join(root, "transcripts", "alice") };
}

t.test("recordTurn appends JSON lines", async (t) => {
  const { dir } = await aliceWithTurns(t);

  t.same(readdirSync(dir).sort(), ["2025-06-01.jsonl", "2025-06-02.jsonl"], "one file per day");
  const lines = readFileSync(join(dir, "2025-06-01.jsonl"), "utf8").split("\n");
  t.equal(lines.length, 3, "two lines and a final newline");
  t.equal(lines[2], "", "ends with a newline");
  t.same(
    JSON.parse(lines[0]),
    { time: "2025-06-01T09:00:00.000Z", transcript: "What time is it?", reply: "It is 9 AM.", timings: TIMINGS },
    "time, user text, reply and timings",
  );
  t.equal(JSON.parse(lines[1]).transcript, "Search for Oslo", "second turn");
});

t.test("recordTurn uses local day", async (t) => {
  const root = t.testdir({});
  const memory = await openMemory({ root, user: "alice", timeZone: "Asia/Tokyo" });

  const file = await memory.recordTurn({ time: new Date("2025-06-01T20:00:00Z"), transcript: "hi", reply: "hello" });

  t.equal(file, join(root, "transcripts", "alice", "2025-06-02.jsonl"), "20:00 UTC is the next day in Tokyo");
});

t.test("recordTurn uses clock by default", async (t) => {
  const root = t.testdir({});
  const memory = await openMemory({ root, user: "alice", timeZone: "UTC", now: () => new Date("2024-02-29T12:00:00Z") });

  const file = await memory.recordTurn({ transcript: "hi", reply: "hello" });

  t.equal(file, join(root, "transcripts", "alice", "2024-02-29.jsonl"), "the clock's day");
  t.equal(JSON.parse(readFileSync(file, "utf8")).time, "2024-02-29T12:00:00.000Z", "the clock's time");
});

t.test("recordTurn recovers from partial line", async (t) => {
  const { root, memory, dir } = await aliceWithTurns(t);
  const file = join(dir, "2025-06-02.jsonl");
  // A crash during a write leaves a line without its end.
  await appendFile(file, '{"time":"2025-06-02T07:06:00.000Z","transcript":"Turn on');

  await memory.recordTurn({ time: new Date("2025-06-02T07:10:00Z"), transcript: "Thanks", reply: "You're welcome." });

  const lines = readFileSync(file, "utf8").split("\n");
  t.equal(lines.length, 4, "the partial line and the new one are separate lines");
  t.equal(JSON.parse(lines[2]).transcript, "Thanks", "the new turn is whole");
  const turns = await readTranscripts(root, "alice");
  t.same(
    turns.map((turn) => turn.transcript),
    ["What time is it?", "Search for Oslo", "Good morning", "Thanks"],
    "reading skips only the partial line",
  );
});

t.test("readTranscripts skips invalid lines", async (t) => {
  const { root, dir } = await aliceWithTurns(t);
  await appendFile(join(dir, "2025-06-01.jsonl"), '{"time":"yesterday","transcript":"x","reply":"y"}\n[1,2]\n');

  const turns = await readTranscripts(root, "alice");

  t.equal(turns.length, 3, "the three valid turns");
});

t.test("exportHistory writes text", async (t) => {
  const { root } = await aliceWithTurns(t);

  const text = await exportHistory({ root, user: "alice", format: "text", timeZone: "UTC" });

  t.equal(
    text,
    [
      "2025-06-01 09:00:00  alice: What time is it?",
      "2025-06-01 09:00:00  rex: It is 9 AM.",
      "2025-06-01 21:15:30  alice: Search for Oslo",
      "2025-06-01 21:15:30  rex: Oslo is in Norway.",
      "2025-06-02 07:05:00  alice: Good morning",
      "2025-06-02 07:05:00  rex: Good morning, Alice!",
      "",
    ].join("\n"),
    "two lines per turn, oldest first",
  );
});

t.test("exportHistory text uses time zone", async (t) => {
  const { root } = await aliceWithTurns(t);

  const text = await exportHistory({ root, user: "alice", format: "text", timeZone: "America/New_York" });

  t.match(text, /^2025-06-01 05:00:00 {2}alice: What time is it\?/, "09:00 UTC is 05:00 in New York");
});

t.test("exportHistory writes JSON", async (t) => {
  const { root } = await aliceWithTurns(t);

  const turns = JSON.parse(await exportHistory({ root, user: "alice", format: "json" }));

  t.equal(turns.length, 3, "three turns");
  t.same(
    turns[0],
    { time: "2025-06-01T09:00:00.000Z", transcript: "What time is it?", reply: "It is 9 AM.", timings: TIMINGS },
    "as stored",
  );
  t.notOk("timings" in turns[2], "no timings when none were recorded");
});

t.test("exportHistory filters by day", async (t) => {
  const { root } = await aliceWithTurns(t);

  const first = JSON.parse(await exportHistory({ root, user: "alice", format: "json", to: "2025-06-01" }));
  const second = JSON.parse(await exportHistory({ root, user: "alice", format: "json", from: "2025-06-02" }));
  const both = JSON.parse(await exportHistory({ root, user: "alice", format: "json", from: "2025-06-01", to: "2025-06-02" }));
  const none = await exportHistory({ root, user: "alice", format: "text", from: "2025-07-01" });

  t.equal(first.length, 2, "to is inclusive");
  t.equal(second.length, 1, "from is inclusive");
  t.equal(both.length, 3, "both days");
  t.equal(none, "", "no turns in range");
});

t.test("exportHistory resolves alias", async (t) => {
  const { root } = await aliceWithTurns(t);

  const text = await exportHistory({ root, user: "ally", format: "text", timeZone: "UTC" });

  t.match(text, "alice: What time is it?", "the profile's transcripts");
});

t.test("exportHistory returns empty for new profile", async (t) => {
  const root = t.testdir({ Memory: { alice: { "core.json": ALICE } } });

  t.equal(await exportHistory({ root, user: "alice", format: "json" }), "[]\n", "an empty array");
  t.equal(await exportHistory({ root, user: "alice", format: "text" }), "", "empty text");
});

t.test("exportHistory rejects unknown user", async (t) => {
  const { root } = await aliceWithTurns(t);

  const error = await rejection(exportHistory({ root, user: "mallory", format: "text" }));

  t.ok(isRexError(error, "MEMORY_NOT_FOUND"), `code MEMORY_NOT_FOUND: ${error}`);
  t.match(error.message, `No profile or transcripts found for user "mallory" in ${root}`, "names user and root");
});

t.test("exportHistory rejects unsafe user", async (t) => {
  const { root } = await aliceWithTurns(t);

  const error = await rejection(exportHistory({ root, user: "../../etc", format: "text" }));

  t.ok(isRexError(error, "MEMORY_USER_INVALID"), `code MEMORY_USER_INVALID: ${error}`);
  t.match(error.message, 'Invalid user name "../../etc": it contains a path separator', "says why");
});

t.test("exportHistory rejects bad options", async (t) => {
  const { root } = await aliceWithTurns(t);

  await t.rejects(exportHistory({ root, user: "alice", format: "text", from: "2025-13-01" }), RangeError, "month 13");
  await t.rejects(exportHistory({ root, user: "alice", format: "text", to: "2025-02-30" }), RangeError, "February 30");
  await t.rejects(exportHistory({ root, user: "alice", format: "text", from: "1 June" }), /must be a date written as YYYY-MM-DD/, "not ISO");
  await t.rejects(
    exportHistory({ root, user: "alice", format: "text", from: "2025-06-02", to: "2025-06-01" }),
    /from \(2025-06-02\) is after to \(2025-06-01\)/,
    "reversed range",
  );
  await t.rejects(exportHistory({ root, user: "alice", format: "csv" as "text" }), /format must be "text" or "json"/, "format");
});
