import { cleanTranscript } from "../index.js";

/**
 * Lowercases, drops non-speech notes such as [BLANK_AUDIO] and punctuation, and splits into
 * words: the usual normalization before scoring.
 */
export function normalizeWords(text: string): string[] {
  return cleanTranscript(text)
    .toLowerCase()
    .replace(/[^a-z0-9' ]+/g, " ")
    .split(/\s+/)
    .filter(Boolean);
}

/**
 * Word error rate: (substitutions + deletions + insertions) / reference words, by Levenshtein
 * distance over normalized words.
 */
export function wordErrorRate(reference: string, hypothesis: string): number {
  const expected = normalizeWords(reference);
  const actual = normalizeWords(hypothesis);
  let previous = Array.from({ length: actual.length + 1 }, (_, j) => j);
  for (let i = 1; i <= expected.length; i++) {
    const current = [i];
    for (let j = 1; j <= actual.length; j++) {
      const substitution = previous[j - 1] + (expected[i - 1] === actual[j - 1] ? 0 : 1);
      current.push(Math.min(substitution, previous[j] + 1, current[j - 1] + 1));
    }
    previous = current;
  }
  return previous[actual.length] / Math.max(1, expected.length);
}
