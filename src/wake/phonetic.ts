/**
 * Phonetic keys and fuzzy matching of a wake phrase against the start of a transcript. The key
 * is rex's own coarse spelling-to-sound code: consonant spellings that sound alike map to one
 * letter ("wrecks" and "rex" both become REKS), and each vowel group maps to one vowel letter, so
 * "rocks" (ROKS) stays apart from "rex".
 */

/** Consonant pairs that differ only in voicing; swapping them costs half an edit. */
const VOICING_PAIRS = ["BP", "DT", "GK", "VF", "ZS", "JX", "0D"];
/** Words a speaker may put before the wake phrase ("oh, hey rex"). */
const LEADING_FILLERS = new Set(["oh", "uh", "um", "er", "ah", "hmm", "so", "well", "okay", "ok"]);

const VOWEL_GROUPS: Array<[string, string]> = [
  ["eigh", "A"],
  ["augh", "O"],
  ["ough", "O"],
  ["ey", "A"],
  ["ay", "A"],
  ["ai", "A"],
  ["ei", "A"],
  ["ee", "I"],
  ["ea", "I"],
  ["ie", "I"],
  ["oo", "U"],
  ["ou", "U"],
  ["ew", "U"],
  ["ue", "U"],
  ["oa", "O"],
  ["ow", "O"],
  ["oe", "O"],
  ["au", "O"],
  ["aw", "O"],
  ["oi", "O"],
  ["oy", "O"],
];

const CONSONANT_SPELLINGS: Array<[string, string]> = [
  ["tch", "X"],
  ["sch", "SK"],
  ["ck", "K"],
  ["ph", "F"],
  ["sh", "X"],
  ["ch", "X"],
  ["th", "0"],
  ["wh", "W"],
  ["qu", "KW"],
  ["gh", ""],
  ["x", "KS"],
  ["q", "K"],
  ["z", "S"],
];

function isVowel(letter: string | undefined): boolean {
  return letter !== undefined && "aeiou".includes(letter);
}

/** Lower-case letters of a word, without punctuation or digits. */
export function normalizeWord(word: string): string {
  return word.toLowerCase().replace(/[^a-z]/g, "");
}

/** Phonetic key of one word, in upper-case letters; "0" stands for "th". */
export function phoneticKey(word: string): string {
  let text = normalizeWord(word);
  if (text.length === 0) return "";
  // Silent first letters: knee, gnome, wreck, psalm; an initial x sounds like z.
  text = text.replace(/^(kn|gn)/, "n").replace(/^wr/, "r").replace(/^ps/, "s").replace(/^x/, "z");
  // A final e after a consonant is silent in longer words (rice, note).
  if (text.length > 3 && text.endsWith("e") && !isVowel(text[text.length - 2])) text = text.slice(0, -1);

  let key = "";
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const letter = text[i]!;
    const vowelLike = isVowel(letter) || (letter === "y" && i > 0 && !isVowel(text[i + 1]));
    if (vowelLike) {
      const group = VOWEL_GROUPS.find(([spelling]) => rest.startsWith(spelling));
      if (group) {
        key += group[1];
        i += group[0].length;
      } else {
        key += letter === "y" ? "I" : letter.toUpperCase();
        i++;
      }
      while (i < text.length && isVowel(text[i])) i++;
      continue;
    }
    const spelling = CONSONANT_SPELLINGS.find(([written]) => rest.startsWith(written));
    if (spelling) {
      key += spelling[1];
      i += spelling[0].length;
      continue;
    }
    if (letter === "c") {
      key += "eiy".includes(text[i + 1] ?? "") ? "S" : "K";
    } else if (letter === "g") {
      key += "eiy".includes(text[i + 1] ?? "") && i > 0 ? "J" : "G";
    } else if (letter === "h") {
      // H is heard only before a vowel.
      if (isVowel(text[i + 1])) key += "H";
    } else if (letter === "w") {
      if (isVowel(text[i + 1])) key += "W";
    } else {
      key += letter.toUpperCase();
    }
    i++;
  }
  return key.replace(/(.)\1+/g, "$1");
}

function substitutionCost(a: string, b: string): number {
  if (a === b) return 0;
  const pair = a < b ? a + b : b + a;
  return VOICING_PAIRS.some((voicing) => [...voicing].sort().join("") === pair) ? 0.5 : 1;
}

/** Weighted Levenshtein distance: insertions and deletions cost 1, substitutions 1 or 0.5. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + substitutionCost(a[i - 1]!, b[j - 1]!),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Similarity of two keys in [0, 1]: 1 minus the edit distance over the longer length. */
export function keySimilarity(a: string, b: string): number {
  const longest = Math.max(a.length, b.length);
  return longest === 0 ? 1 : Math.max(0, 1 - editDistance(a, b) / longest);
}

export interface PhraseMatch {
  /** Phonetic similarity in [0, 1] between the phrase and the words that matched it. */
  score: number;
  /** Transcript words, counted from the start, that the phrase covered, fillers included. */
  wordCount: number;
  /** Character offset in the transcript where the text after the phrase begins. */
  restOffset: number;
}

/**
 * Compares `phrase` with the first words of `transcript`. Whisper may split or join words
 * ("Hey Rex" as "Heyrex" or "Hey Wreck's"), so every prefix of one word more or fewer than
 * the phrase is tried, and the most similar one wins.
 */
export function matchPhraseAtStart(phrase: string, transcript: string): PhraseMatch {
  const phraseKey = phrase.split(/\s+/).map(phoneticKey).join("");
  const words = [...transcript.matchAll(/\S+/g)].map((match) => ({ text: match[0], end: match.index + match[0].length }));
  let first = 0;
  while (first < words.length - 1 && LEADING_FILLERS.has(normalizeWord(words[first]!.text))) first++;

  const phraseWords = phrase.trim().split(/\s+/).length;
  let best: PhraseMatch = { score: 0, wordCount: 0, restOffset: 0 };
  let key = "";
  for (let count = 1; count <= phraseWords + 1 && first + count <= words.length; count++) {
    key += phoneticKey(words[first + count - 1]!.text);
    const score = keySimilarity(key, phraseKey);
    if (score > best.score) best = { score, wordCount: first + count, restOffset: words[first + count - 1]!.end };
  }
  return best;
}

/** Text after a match, without the punctuation that separated it from the phrase. */
export function textAfter(transcript: string, match: PhraseMatch): string {
  return transcript.slice(match.restOffset).replace(/^[\s,.;:!?-]+/, "").trim();
}
