/**
 * Whisper marks non-speech with bracketed or starred notes such as "[BLANK_AUDIO]",
 * "(silence)" or "*music*". They are not words the user said.
 */
const NON_SPEECH_NOTE = /\s*(\[[^\]]*\]|\([^)]*\)|\*[^*]*\*)\s*/g;

/** Removes non-speech notes and collapses whitespace. */
export function cleanTranscript(text: string): string {
  return text.replace(NON_SPEECH_NOTE, " ").replace(/\s+/g, " ").trim();
}
