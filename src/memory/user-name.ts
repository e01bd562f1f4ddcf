import { RexError } from "../errors.js";

const MAX_LENGTH = 64;
const NAME_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N}._-]*$/u;

/**
 * Validates a user name that becomes a folder name under the memory root, and returns it in
 * Unicode NFC form. Rejects with MEMORY_USER_INVALID anything that could leave that folder or is
 * awkward as a file name: path separators, "..", leading dots, spaces and control characters.
 */
export function validateUserName(name: string): string {
  const problem = findProblem(name);
  if (problem) {
    const rule = `A user name is 1 to ${MAX_LENGTH} letters, digits, ".", "_" or "-", starting with a letter or digit`;
    throw new RexError("MEMORY_USER_INVALID", `Invalid user name ${JSON.stringify(name)}: ${problem}. ${rule}; check REX_ACTIVE_USER.`);
  }
  return name.normalize("NFC");
}

function findProblem(name: unknown): string | undefined {
  if (typeof name !== "string" || name === "") return "it is empty";
  const normalized = name.normalize("NFC");
  if (/[/\\]/.test(normalized)) return "it contains a path separator";
  if (normalized.includes("..")) return 'it contains ".."';
  if ([...normalized].length > MAX_LENGTH) return `it is longer than ${MAX_LENGTH} characters`;
  if (!NAME_PATTERN.test(normalized)) return "it contains a character that is not allowed";
  return undefined;
}
