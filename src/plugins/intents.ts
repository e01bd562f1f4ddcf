/**
 * Simple intent rules, so that the offline responder can use plugins without a language model.
 * Each rule is a pattern on the spoken request and the plugin arguments it yields.
 */
import type { PluginRegistry } from "./registry.js";

/** A plugin call chosen from a spoken request. */
export interface IntentMatch {
  /** Name of the plugin to call. */
  plugin: string;
  args: Record<string, unknown>;
}

interface IntentRule {
  plugin: string;
  pattern: RegExp;
  /** Builds the arguments from the pattern's capture groups; undefined when a group is unusable. */
  args: (match: RegExpExecArray) => Record<string, unknown> | undefined;
}

const SEARCH_PATTERN =
  /^(?:(?:hey |ok |okay )?rex,? )?(?:please |can you |could you )*(?:search (?:the web |online |the internet )?for|search|look up|google|find information (?:on|about)) (.+)$/i;
const TIME_IN_PATTERN =
  /^(?:what(?:'s| is) the time|what time is it|what's the time|tell me the time|the time|time) (?:right now |now )?in (.+)$/i;
const TIME_PATTERN = /^(?:what(?:'s| is) the time|what time is it|tell me the time|what(?:'s| is) the date|what day is it)(?: (?:right )?now| today)?$/i;

const RULES: IntentRule[] = [
  { plugin: "time", pattern: TIME_IN_PATTERN, args: (match) => withText("location", stripArticle(match[1])) },
  { plugin: "time", pattern: TIME_PATTERN, args: () => ({}) },
  { plugin: "web_search", pattern: SEARCH_PATTERN, args: (match) => withText("query", match[1]) },
];

/**
 * Matches a spoken request against the intent rules and returns the first plugin call whose
 * plugin is loaded in `registry`, or undefined. The rules:
 * "search for X", "search X", "look up X", "google X" → web_search with query X;
 * "what time is it in X", "what's the time in X" → time with location X;
 * "what time is it", "what's the date" → time with no arguments.
 */
export function matchIntent(text: string, registry: PluginRegistry): IntentMatch | undefined {
  const request = normalizeRequest(text);
  for (const rule of RULES) {
    if (!registry.get(rule.plugin)) continue;
    const match = rule.pattern.exec(request);
    if (!match) continue;
    const args = rule.args(match);
    if (args) return { plugin: rule.plugin, args };
  }
  return undefined;
}

/**
 * Removes the punctuation that whisper adds around a request ("Search for cats.", "¿…?") and makes
 * typographic apostrophes straight. Case is kept, because a search query may depend on it.
 */
function normalizeRequest(text: string): string {
  return text
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/\s+/g, " ")
    .trim()
    .replace(/^[\s"'\u201c\u201d¿¡(]+/, "")
    .replace(/[\s"'\u201c\u201d.,!?;:)]+$/, "");
}

function stripArticle(text: string): string {
  return text.replace(/^the /i, "");
}

/** Returns `{ [key]: value }` with quotes around the value removed, or undefined when nothing is left. */
function withText(key: string, value: string): Record<string, unknown> | undefined {
  const text = value.replace(/^["'\u201c\u201d\s]+|["'\u201c\u201d\s]+$/g, "");
  return text === "" ? undefined : { [key]: text };
}
