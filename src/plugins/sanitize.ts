/**
 * Cleans plugin output before it reaches the language model or speech output. Plugin output is
 * data: this removes the text that could pass for chat structure or for instructions to the model.
 * It is one layer of defence. The other is that the output only ever travels in a tool message.
 */

/** Marker that replaces text that reads like an instruction to the model or a chat role label. */
export const FILTERED_MARKER = "[filtered]";

/**
 * A special token of a common chat template (ChatML, Llama 2 and 3, Mistral, Gemma), with the role
 * name that may follow it, as in "<|im_start|>system".
 */
const TEMPLATE_TOKEN =
  /(?:<\|[a-z_]{1,30}\|>|\[\/?INST\]|<<\/?SYS>>|<\/?s>|<\/?(?:start_of_turn|end_of_turn)>)(?:[\t ]*(?:system|assistant|user|developer|tool|model)\b)?/gi;

/** A role label such as "System:" or "### Assistant:" at the start of a line. */
const ROLE_LABEL = /^[\t ]*(?:#{1,6}[\t ]*|\*\*)?(?:system|assistant|user|developer|tool)(?:\*\*)?[\t ]*:/gim;

/** Phrases that address the model instead of carrying data. */
const INSTRUCTION_PHRASES = [
  /\b(?:ignore|disregard|forget|override|bypass)\s+(?:(?:all|any|the|your|my|these|those|every)\s+)*(?:(?:previous|prior|above|earlier|preceding|original|system|existing)\s+)*(?:instructions?|prompts?|rules|directions|guidelines|directives|messages|context)\b/gi,
  /\b(?:new|updated|real|actual|revised)\s+(?:instructions?|system\s+prompt|rules)\s*:/gi,
  /\bsystem\s+prompt\b/gi,
  /\byou\s+are\s+now\b/gi,
  /\bfrom\s+now\s+on,?\s+you\b/gi,
  /^[\t ]*#{1,6}[\t ]*(?:instructions?|system|response)\b.*$/gim,
];

/**
 * Control and format characters, except the whitespace controls that the collapse step turns into
 * spaces, plus private-use and unassigned code points and lone surrogates. Format characters include
 * zero-width and bidirectional marks, which can hide text from a reader while the model still reads it.
 */
const INVISIBLE = /(?![\t\n\r])[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}]/gu;

/**
 * Returns `text` made safe to pass on as data: normalised with NFKC (so look-alike letters become
 * plain ones), with control and format characters removed, chat template tokens and their role names removed,
 * instruction-like phrases and role labels replaced by {@link FILTERED_MARKER}, every run of
 * whitespace collapsed to one space, and the result cut to `maxChars` characters at most.
 */
export function sanitizeOutput(text: string, maxChars: number): string {
  if (!Number.isInteger(maxChars) || maxChars < 1) {
    throw new RangeError(`maxChars must be a positive integer, got ${maxChars}`);
  }
  let clean = text.normalize("NFKC").replace(INVISIBLE, "");
  clean = clean.replace(TEMPLATE_TOKEN, " ");
  // Role labels are matched per line, so this runs before whitespace is collapsed.
  clean = clean.replace(ROLE_LABEL, FILTERED_MARKER);
  for (const phrase of INSTRUCTION_PHRASES) clean = clean.replace(phrase, FILTERED_MARKER);
  clean = clean.replace(/\s+/gu, " ").trim();
  return truncate(clean, maxChars);
}

/** Cuts `text` to at most `maxChars` UTF-16 code units, ending on a word boundary with "…" when it can. */
export function truncate(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let end = maxChars - 1;
  // Never split a surrogate pair: a lone half is not valid text.
  if (end > 0 && /[\uD800-\uDBFF]/.test(text[end - 1])) end -= 1;
  const lastSpace = text.lastIndexOf(" ", end);
  if (lastSpace >= end * 0.8) end = lastSpace;
  return `${text.slice(0, end).trimEnd()}…`;
}
