import { randomBytes } from "node:crypto";
import { readFile, rename, rm, writeFile } from "node:fs/promises";

import { z } from "zod";

import { RexError } from "../errors.js";

/** The version of `core.json` that this rex reads and writes. */
export const PROFILE_VERSION = 1;

const label = z.string().trim().min(1).max(100);

/** The contents of a user's `core.json`. Unknown fields make the file invalid, so that a typo is never ignored. */
export const coreProfileSchema = z.strictObject({
  version: z.literal(PROFILE_VERSION).default(PROFILE_VERSION),
  /** Display name, used when the assistant addresses the user. */
  name: label,
  /** Other names that select this profile, compared without regard to case. */
  aliases: z.array(label).max(20).default([]),
  /** Free-form settings such as units or a news topic, told to the model with each request. */
  preferences: z.record(z.string().min(1).max(64), z.union([z.string().max(500), z.number(), z.boolean()])).default({}),
  /** Speech output voice for this user, overriding the tts settings. */
  voice: z
    .strictObject({
      voice: z.string().regex(/^[A-Za-z0-9+_-]{1,40}$/, "an espeak-ng voice name such as en-us").optional(),
      /** Speaking rate in words per minute. */
      rate: z.number().int().min(80).max(500).optional(),
    })
    .optional(),
});

export type CoreProfile = z.infer<typeof coreProfileSchema>;
export type CoreProfileInput = z.input<typeof coreProfileSchema>;

const KEEP_FILE = "Fix the field or move the file away; rex never overwrites an invalid memory file";

/** Reads and validates a `core.json`. Rejects with MEMORY_INVALID naming the file and the field. */
export async function readProfile(file: string): Promise<CoreProfile> {
  const text = await readFile(file, "utf8");
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const reason = (error as Error).message;
    throw new RexError("MEMORY_INVALID", `Memory file ${file} is not valid JSON (${reason}). ${KEEP_FILE}.`, { cause: error });
  }
  const result = coreProfileSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new RexError("MEMORY_INVALID", `Memory file ${file} is invalid: ${describeIssue(issue, data)}. ${KEEP_FILE}.`);
  }
  return result.data;
}

/**
 * Writes a profile to `file` through a temporary file and a rename, so a crash leaves either the
 * old file or the new one, never a partial one.
 */
export async function writeProfile(file: string, profile: CoreProfile): Promise<void> {
  const temporary = `${file}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(profile, null, 2)}\n`, { mode: 0o600, flush: true });
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    const reason = (error as Error).message;
    throw new RexError("MEMORY_WRITE_FAILED", `Could not write ${file}: ${reason}. Check that its folder is writable.`, {
      cause: error,
    });
  }
}

/** Describes a validation issue of `data` as `field "voice.rate" must be at most 500 (got 900)`. */
export function describeIssue(issue: z.core.$ZodIssue, data: unknown): string {
  if (issue.code === "unrecognized_keys") {
    const fields = issue.keys.map((key) => JSON.stringify(fieldPath([...issue.path, key])));
    return `unknown field ${fields.join(", ")}`;
  }
  const field = fieldPath(issue.path);
  if (field === "version" && issue.code === "invalid_value") {
    return `field "version" is ${JSON.stringify(valueAt(data, issue.path))}, but this rex reads version ${PROFILE_VERSION} only`;
  }
  const value = valueAt(data, issue.path);
  const got = value === undefined ? "missing" : `got ${JSON.stringify(value)}`;
  return `field "${field}" ${expectation(issue)} (${got})`;
}

function expectation(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return `must be ${issue.expected === "array" ? "an array" : `a ${issue.expected}`}`;
    case "too_big":
      return `must be at most ${String(issue.maximum)}${unit(issue.origin)}`;
    case "too_small":
      return `must be at least ${String(issue.minimum)}${unit(issue.origin)}`;
    case "invalid_union":
      return "must be a string, a number, true or false";
    case "invalid_format":
      return `must be ${issue.message}`;
    default:
      return `is invalid: ${issue.message}`;
  }
}

function unit(origin: string): string {
  if (origin === "string") return " characters long";
  if (origin === "array") return " items";
  return "";
}

function fieldPath(path: readonly PropertyKey[]): string {
  return path.map(String).join(".");
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let value = data;
  for (const key of path) value = (value as Record<PropertyKey, unknown> | undefined)?.[key];
  return value;
}
