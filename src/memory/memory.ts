/**
 * Per-user memory under a root folder:
 * - `Memory/<user>/core.json`: the profile (name, aliases, preferences, voice), see `profile.ts`.
 * - `Memory/<user>/notes.md`: things the user asked the assistant to remember, one per line.
 * - `Memory/<user>/history.log`: a line per change to the profile or the notes, for the user to review.
 * - `transcripts/<user>/YYYY-MM-DD.jsonl`: the turns of each day, see `transcripts.ts`.
 */
import { appendFile, mkdir, readFile, readdir, stat } from "node:fs/promises";
import { join } from "node:path";

import { RexError } from "../errors.js";
import { getLogger } from "../log.js";
import { coreProfileSchema, describeIssue, readProfile, writeProfile, type CoreProfile, type CoreProfileInput } from "./profile.js";
import { appendTranscript, type TranscriptTurn } from "./transcripts.js";
import { validateUserName } from "./user-name.js";

const log = getLogger("memory");

/** Options for {@link openMemory}. */
export interface OpenMemoryOptions {
  /** Folder that contains `Memory/` and `transcripts/`. */
  root: string;
  /** Profile folder name or one of a profile's aliases, as REX_ACTIVE_USER sets it. */
  user: string;
  /** IANA time zone that decides which day file a turn goes to; default the system's. */
  timeZone?: string;
  /** Clock for history.log lines; default `() => new Date()`. */
  now?: () => Date;
}

/** Location of a resolved user's files. */
export interface ProfileLocation {
  /** The profile's folder name, which is also the user's name in transcripts. */
  user: string;
  dir: string;
}

/**
 * Opens the memory of a user, resolving an alias to the profile that lists it. Creates a profile
 * named after `user` when neither a profile folder nor an alias matches. Rejects with
 * MEMORY_USER_INVALID for a name that is not a safe folder name, and with MEMORY_INVALID when a
 * profile it has to read is invalid. An invalid file is never overwritten.
 */
export async function openMemory(options: OpenMemoryOptions): Promise<UserMemory> {
  const name = validateUserName(options.user);
  const location = (await findProfile(options.root, name)) ?? { user: name, dir: join(options.root, "Memory", name) };
  const coreFile = join(location.dir, "core.json");
  let profile: CoreProfile;
  if (await exists(coreFile)) {
    profile = await readProfile(coreFile);
  } else {
    await mkdir(location.dir, { recursive: true, mode: 0o700 });
    profile = coreProfileSchema.parse({ name: location.user });
    await writeProfile(coreFile, profile);
    log.info({ user: location.user, dir: location.dir }, "created a user profile");
  }
  if (location.user !== name) log.debug({ alias: name, user: location.user }, "resolved alias to profile");
  return new UserMemory(options.root, location, profile, options);
}

/**
 * Finds the profile folder for `name`: a folder of exactly that name, else the one folder whose
 * name matches without regard to case or whose `core.json` lists `name` as an alias. Returns
 * undefined when none matches. Every profile read on the way must be valid, because an invalid one
 * might be the one that lists the alias.
 */
export async function findProfile(root: string, name: string): Promise<ProfileLocation | undefined> {
  const memoryDir = join(root, "Memory");
  if (await exists(join(memoryDir, name))) return { user: name, dir: join(memoryDir, name) };
  const entries = await readdir(memoryDir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [];
    throw error;
  });
  const wanted = fold(name);
  const matches: ProfileLocation[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
    const dir = join(memoryDir, entry.name);
    const coreFile = join(dir, "core.json");
    const aliases = (await exists(coreFile)) ? (await readProfile(coreFile)).aliases : [];
    if (fold(entry.name) === wanted || aliases.some((alias) => fold(alias) === wanted)) matches.push({ user: entry.name, dir });
  }
  if (matches.length > 1) {
    const folders = matches.map((match) => match.dir).join(" and ");
    const message = `The user name "${name}" matches the profiles in ${folders}. Remove the alias from all but one core.json.`;
    throw new RexError("MEMORY_INVALID", message);
  }
  return matches[0];
}

/** One user's profile, notes, history log and transcripts. */
export class UserMemory {
  /** The profile's folder name, also used as the user's name in transcripts. */
  readonly user: string;
  /** The profile's folder. */
  readonly dir: string;
  #profile: CoreProfile;
  readonly #root: string;
  readonly #timeZone: string | undefined;
  readonly #now: () => Date;

  constructor(root: string, location: ProfileLocation, profile: CoreProfile, options: Pick<OpenMemoryOptions, "timeZone" | "now">) {
    this.#root = root;
    this.user = location.user;
    this.dir = location.dir;
    this.#profile = profile;
    this.#timeZone = options.timeZone;
    this.#now = options.now ?? (() => new Date());
  }

  /** The profile as last read or written. */
  get profile(): CoreProfile {
    return this.#profile;
  }

  /**
   * Merges `changes` into the profile and writes it. The file is read again first, and if it has
   * become invalid since, this rejects with MEMORY_INVALID and leaves it as it is.
   */
  async updateProfile(changes: Partial<CoreProfileInput>): Promise<CoreProfile> {
    const file = join(this.dir, "core.json");
    const current = await readProfile(file);
    const merged = { ...current, ...changes };
    const result = coreProfileSchema.safeParse(merged);
    if (!result.success) {
      throw new RangeError(`Invalid profile change for "${this.user}": ${describeIssue(result.error.issues[0], merged)}`);
    }
    await writeProfile(file, result.data);
    this.#profile = result.data;
    await this.#logChange(`profile updated: ${Object.keys(changes).join(", ")}`);
    return result.data;
  }

  /** Returns the text of notes.md, or "" when there is none. */
  async readNotes(): Promise<string> {
    return readFile(join(this.dir, "notes.md"), "utf8").catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return "";
      throw error;
    });
  }

  /** Appends `note` to notes.md as a list item, with line breaks turned into spaces. */
  async appendNote(note: string): Promise<void> {
    const text = note.replace(/\s+/g, " ").trim();
    if (text === "") throw new RangeError("A note must contain text");
    await this.#append(join(this.dir, "notes.md"), `- ${text}\n`);
    await this.#logChange(`note added: ${text}`);
  }

  /** Appends one turn to today's transcript file; see {@link appendTranscript}. Returns the file's path. */
  async recordTurn(turn: Omit<TranscriptTurn, "time"> & { time?: Date }): Promise<string> {
    return appendTranscript(this.#root, this.user, { ...turn, time: turn.time ?? this.#now() }, this.#timeZone);
  }

  /**
   * Returns what the model should know about the user, for the system prompt: the name, aliases,
   * preferences and notes. Only the first `maxNoteChars` characters of the notes are included.
   */
  async promptContext(maxNoteChars = 1000): Promise<string> {
    const profile = this.#profile;
    const lines = [`The user's name is ${profile.name}.`];
    if (profile.aliases.length > 0) lines.push(`They are also called ${profile.aliases.join(", ")}.`);
    const preferences = Object.entries(profile.preferences).map(([key, value]) => `${key}: ${String(value)}`);
    if (preferences.length > 0) lines.push(`Their preferences: ${preferences.join("; ")}.`);
    const notes = (await this.readNotes()).trim();
    if (notes !== "") lines.push(`Notes about them:\n${notes.slice(0, maxNoteChars)}`);
    return lines.join("\n");
  }

  async #logChange(text: string): Promise<void> {
    const line = `${this.#now().toISOString()} ${text.replace(/\s+/g, " ")}\n`;
    await this.#append(join(this.dir, "history.log"), line);
  }

  async #append(file: string, text: string): Promise<void> {
    try {
      await appendFile(file, text, { mode: 0o600 });
    } catch (error) {
      const reason = (error as Error).message;
      throw new RexError("MEMORY_WRITE_FAILED", `Could not append to ${file}: ${reason}. Check that its folder is writable.`, {
        cause: error,
      });
    }
  }
}

/** Folds a name for comparison: NFC form, lower case. */
function fold(name: string): string {
  return name.normalize("NFC").toLocaleLowerCase("en-US");
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return false;
      throw error;
    },
  );
}
