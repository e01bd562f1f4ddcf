/**
 * Whisper marks non-speech with bracketed or starred notes such as "[BLANK_AUDIO]",
 * "(silence)" or "*music*". They are not words the user said.
 */
const NON_SPEECH_NOTE = /\s*(\[[^\]]*\]|\([^)]*\)|\*[^*]*\*)\s*/g;

/** Removes non-speech notes and collapses whitespace. */
export function cleanTranscript(text: string): string {
  return text.replace(NON_SPEECH_NOTE, " ").replace(/\s+/g, " ").trim();
}

/**
 * Removes a sentence that repeats the one before it word for word. Whisper tends to loop this
 * way when its encoder window is shrunk to a short utterance.
 */
export function dropRepeatedSentences(text: string): string {
  const sentences = text.match(/[^.!?]+[.!?]*\s*/g) ?? [];
  const kept: string[] = [];
  const key = (sentence: string) => sentence.toLowerCase().replace(/[^a-z0-9' ]+/g, "").trim();
  for (const sentence of sentences) {
    if (kept.length > 0 && key(kept[kept.length - 1]) === key(sentence) && key(sentence) !== "") continue;
    kept.push(sentence);
  }
  return kept.join("").trim();
}
