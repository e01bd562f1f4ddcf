/**
 * Transcripts: one JSON line per turn in `transcripts/<user>/YYYY-MM-DD.jsonl` under the memory root.
 * Each file contains one calendar day in the configured time zone, by default the system's.
 */
import { mkdir, open, readFile, readdir } from "node:fs/promises";
import { join } from "node:path";

import { z } from "zod";

import { RexError } from "../errors.js";
import { getLogger } from "../log.js";

const log = getLogger("memory");

/** One turn of a conversation as a transcript stores it. */
export interface TranscriptTurn {
  /** When the turn ended. */
  time: Date;
  /** The user's request as transcribed. */
  transcript: string;
  reply: string;
  /** Milliseconds from the end of speech to each stage, such as `{ transcript, reply, firstAudio }`. */
  timings?: Record<string, number>;
}

const lineSchema = z.object({
  time: z.iso.datetime({ offset: true }),
  transcript: z.string(),
  reply: z.string(),
  timings: z.record(z.string(), z.number()).optional(),
});

/** A transcript line as read back, with its time as an ISO 8601 string. */
export type TranscriptLine = z.infer<typeof lineSchema>;

const DAY_FILE = /^(\d{4}-\d{2}-\d{2})\.jsonl$/;

/** Returns the folder of a user's transcripts. */
export function transcriptsDir(root: string, user: string): string {
  return join(root, "transcripts", user);
}

/**
 * Appends one turn to the day's transcript file and flushes it to disk before resolving, so a crash
 * loses at most the turn in progress. If the file ends in a partial line from an earlier crash, the
 * new line starts on a line of its own. Returns the file's path.
 */
export async function appendTranscript(
  root: string,
  user: string,
  turn: TranscriptTurn,
  timeZone?: string,
): Promise<string> {
  const dir = transcriptsDir(root, user);
  const file = join(dir, `${localDate(turn.time, timeZone)}.jsonl`);
  const line: TranscriptLine = { time: turn.time.toISOString(), transcript: turn.transcript, reply: turn.reply };
  if (turn.timings) line.timings = turn.timings;
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const handle = await open(file, "a+", 0o600);
    try {
      const { size } = await handle.stat();
      const last = Buffer.alloc(1);
      if (size > 0) await handle.read(last, 0, 1, size - 1);
      const separator = size > 0 && last[0] !== 0x0a ? "\n" : "";
      // One write call per turn in append mode, so the line goes to the end of the file in one piece.
      await handle.write(`${separator}${JSON.stringify(line)}\n`);
      await handle.datasync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    const reason = (error as Error).message;
    throw new RexError("MEMORY_WRITE_FAILED", `Could not append to ${file}: ${reason}. Check that its folder is writable.`, {
      cause: error,
    });
  }
  return file;
}

/**
 * Reads the turns of a user's transcripts from the day files between `from` and `to` (inclusive,
 * as YYYY-MM-DD), oldest first. Lines that are not valid turns, such as one cut short by a crash,
 * are skipped and logged.
 */
export async function readTranscripts(root: string, user: string, range: { from?: string; to?: string } = {}): Promise<TranscriptLine[]> {
  const dir = transcriptsDir(root, user);
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [];
    throw error;
  });
  const days = names
    .map((name) => DAY_FILE.exec(name)?.[1])
    .filter((day): day is string => day !== undefined)
    .filter((day) => (range.from === undefined || day >= range.from) && (range.to === undefined || day <= range.to))
    .sort();
  const turns: TranscriptLine[] = [];
  for (const day of days) turns.push(...(await readDayFile(join(dir, `${day}.jsonl`))));
  return turns;
}

async function readDayFile(file: string): Promise<TranscriptLine[]> {
  const lines = (await readFile(file, "utf8")).split("\n");
  const turns: TranscriptLine[] = [];
  lines.forEach((text, index) => {
    if (text.trim() === "") return;
    const turn = parseLine(text);
    if (turn) turns.push(turn);
    else log.warn({ file, line: index + 1 }, "skipped a transcript line that is not a valid turn");
  });
  return turns;
}

function parseLine(text: string): TranscriptLine | undefined {
  try {
    const result = lineSchema.safeParse(JSON.parse(text));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

/** Returns the calendar date of `time` in `timeZone` (default the system's) as YYYY-MM-DD. */
export function localDate(time: Date, timeZone?: string): string {
  const parts = dateParts(time, timeZone);
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/** Returns the date and time of `time` in `timeZone` (default the system's) as "YYYY-MM-DD HH:MM:SS". */
export function localDateTime(time: Date, timeZone?: string): string {
  const parts = dateParts(time, timeZone);
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

function dateParts(time: Date, timeZone: string | undefined): Record<string, string> {
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  });
  return Object.fromEntries(format.formatToParts(time).map((part) => [part.type, part.value]));
}
