import { stat } from "node:fs/promises";

import { RexError } from "../errors.js";
import { findProfile } from "./memory.js";
import { localDateTime, readTranscripts, transcriptsDir, type TranscriptLine } from "./transcripts.js";
import { validateUserName } from "./user-name.js";

/** Options for {@link exportHistory}. */
export interface ExportHistoryOptions {
  /** Folder that contains `Memory/` and `transcripts/`. */
  root: string;
  /** Profile folder name or alias. */
  user: string;
  /** "text": two readable lines per turn; "json": an array of turns as stored. */
  format: "text" | "json";
  /** First day to include, as YYYY-MM-DD; default the first day on record. */
  from?: string;
  /** Last day to include, as YYYY-MM-DD; default the last day on record. */
  to?: string;
  /** IANA time zone for the times in text output; default the system's. */
  timeZone?: string;
}

/**
 * Returns a user's conversation history from their transcripts, oldest turn first, as text or JSON.
 * An alias resolves to its profile, as in openMemory. Rejects with MEMORY_NOT_FOUND when the user
 * has neither a profile nor transcripts, and with RangeError for a malformed date or format.
 */
export async function exportHistory(options: ExportHistoryOptions): Promise<string> {
  const name = validateUserName(options.user);
  if (options.format !== "text" && options.format !== "json") {
    throw new RangeError(`format must be "text" or "json", got ${JSON.stringify(options.format)}`);
  }
  const from = options.from === undefined ? undefined : parseDay(options.from, "from");
  const to = options.to === undefined ? undefined : parseDay(options.to, "to");
  if (from && to && from > to) throw new RangeError(`from (${from}) is after to (${to})`);

  const profile = await findProfile(options.root, name);
  const user = profile?.user ?? name;
  if (!profile && !(await exists(transcriptsDir(options.root, name)))) {
    const message = `No profile or transcripts found for user "${name}" in ${options.root}. Check the user name and REX_ACTIVE_USER.`;
    throw new RexError("MEMORY_NOT_FOUND", message);
  }
  const turns = await readTranscripts(options.root, user, { from, to });
  if (options.format === "json") return `${JSON.stringify(turns, null, 2)}\n`;
  return turns.map((turn) => formatTurn(turn, user, options.timeZone)).join("");
}

function formatTurn(turn: TranscriptLine, user: string, timeZone: string | undefined): string {
  const time = localDateTime(new Date(turn.time), timeZone);
  return `${time}  ${user}: ${turn.transcript}\n${time}  rex: ${turn.reply}\n`;
}

/** Checks that `value` is a real calendar date written as YYYY-MM-DD and returns it. */
function parseDay(value: string, name: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const date = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : undefined;
  if (!date || date.toISOString().slice(0, 10) !== value) {
    throw new RangeError(`${name} must be a date written as YYYY-MM-DD, such as 2025-01-31, got ${JSON.stringify(value)}`);
  }
  return value;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
