/** Small helpers for reading text out of HTML without a DOM. */

const NAMED_ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " ", "#39": "'" };

/** Replaces character references such as &amp;, &#39; and &#x27; with the characters they stand for. */
export function decodeEntities(text) {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (reference, name) => {
    const lower = name.toLowerCase();
    if (lower.startsWith("#x")) return codePoint(parseInt(lower.slice(2), 16), reference);
    if (lower.startsWith("#")) return codePoint(parseInt(lower.slice(1), 10), reference);
    return Object.hasOwn(NAMED_ENTITIES, lower) ? NAMED_ENTITIES[lower] : reference;
  });
}

function codePoint(value, fallback) {
  return Number.isInteger(value) && value > 0 && value <= 0x10ffff ? String.fromCodePoint(value) : fallback;
}

/** Returns the text of an HTML fragment: tags removed, references decoded, whitespace collapsed. */
export function htmlToText(fragment) {
  return decodeEntities(fragment.replace(/<[^>]*>/g, "")).replace(/\s+/g, " ").trim();
}

/** Returns the value of attribute `name` in the attribute text of an opening tag, decoded, or undefined. */
export function attribute(attributes, name) {
  const match = new RegExp(`\\b${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, "i").exec(attributes);
  return match ? decodeEntities(match[1] ?? match[2]) : undefined;
}

/** True when the attribute text has a class attribute that lists `className` as one of its classes. */
export function hasClass(attributes, className) {
  return (attribute(attributes, "class") ?? "").split(/\s+/).includes(className);
}
