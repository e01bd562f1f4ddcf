/** Maximum length in UTF-16 code units of text passed to a speech engine. Longer text is cut at a word boundary. */
export const MAX_SPEECH_CHARS = 2000;

const LINE_BREAKS = /[\t\n\v\f\r\u0085\u2028\u2029]/g;
/** Control and format characters (zero-width joiners, bidi marks), lone surrogates and private-use code points. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}]/gu;
/** Emoji, flags, variation selectors and the keycap mark, which speech engines read as names or skip unevenly. */
const EMOJI = /[\p{Extended_Pictographic}\p{Regional_Indicator}\uFE00-\uFE0F\u20E3]/gu;
/** Arrows, stars, box drawing and other symbols that espeak-ng reads aloud by name. Currency signs stay. */
const SYMBOLS = /[\p{So}\p{Sk}\u2190-\u21FF]/gu;
/**
 * Markdown and code punctuation from language model replies. Underscores become spaces so that snake_case reads as
 * words, and square brackets go because espeak-ng reads text inside [[ ]] as phoneme codes.
 */
const MARKUP = /[*_`#~|<>[\]{}\\^]/g;
/** One character repeated more than three times, such as "!!!!!" or "aaaaah". */
const LONG_RUN = /(.)\1{3,}/gu;

/**
 * Cleans text for a speech engine: removes control characters, emoji, symbols and markup, shortens runs of one
 * repeated character to three, collapses whitespace, and cuts the result to `maxChars`.
 */
export function cleanTextForSpeech(text: string, maxChars: number = MAX_SPEECH_CHARS): string {
  const cleaned = text
    .normalize("NFC")
    .replace(LINE_BREAKS, " ")
    .replace(INVISIBLE, "")
    .replace(EMOJI, " ")
    .replace(SYMBOLS, " ")
    .replace(MARKUP, " ")
    .replace(LONG_RUN, "$1$1$1")
    .replace(/\s+/g, " ")
    .trim();
  return truncateAtWord(cleaned, maxChars);
}

/** Cuts `text` to at most `maxChars`, at the last space if one falls in the second half. */
function truncateAtWord(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let cut = text.slice(0, maxChars);
  const lastSpace = cut.lastIndexOf(" ");
  if (lastSpace > maxChars / 2) cut = cut.slice(0, lastSpace);
  // A cut between the two halves of a surrogate pair would leave an invalid lone high surrogate.
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return cut.trimEnd();
}
