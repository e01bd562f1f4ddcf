import { getLogger } from "../log.js";
import { matchIntent } from "../plugins/intents.js";
import type { PluginRegistry } from "../plugins/registry.js";
import type { ChatMessage, ReplyOptions, Responder } from "./types.js";

const log = getLogger("llm");

/** Settings for {@link OfflineResponder}. Each has a default, and tests set them to get fixed output. */
export interface OfflineResponderOptions {
  /** Clock for time and date replies; default `() => new Date()`. */
  now?: () => Date;
  /** BCP 47 locale for time and date replies; default "en-US". */
  locale?: string;
  /** IANA time zone such as "Europe/Berlin"; default the system's time zone. */
  timeZone?: string;
  /** Plugins reachable by simple intent rules, such as "search for ..." for web_search. */
  plugins?: PluginRegistry;
}

const CAPABILITIES = 'I can tell you the time or the date, and repeat words that follow "say" or "repeat after me".';
const CONFIGURE_LLM =
  "For other questions, set OPENAI_BASE_URL to an OpenAI-compatible server, such as a local one, " +
  "and REX_LLM_MODEL to its model.";

const ECHO_PATTERN = /^(?:please\s+)?(?:repeat after me|say|echo|repeat)\b[\s,:]*(.*)$/i;
// Speech recognition drops short words ("what time it", "what's time"), so the patterns need
// only the words that carry the request.
const TIME_PATTERN = /\b(?:what(?:'s| is)? (?:the )?time|tell me the time|the time please|current time)\b/;
const DATE_PATTERN = /\b(?:what's the date|what is the date|what day is it|what day is today|today's date)\b/;
const HELP_PATTERN = /\b(?:help|what can you do|what do you do)\b/;
const GREETING_PATTERN = /^(?:hi|hello|hey|hiya|howdy|good (?:morning|afternoon|evening))\b/;

/**
 * A {@link Responder} that needs no network, used when no language model is configured.
 * It matches the last user message against a few fixed requests and otherwise explains how to configure one.
 */
export class OfflineResponder implements Responder {
  readonly #now: () => Date;
  readonly #timeFormat: Intl.DateTimeFormat;
  readonly #dateFormat: Intl.DateTimeFormat;
  readonly #plugins: PluginRegistry | undefined;

  constructor(options: OfflineResponderOptions = {}) {
    this.#now = options.now ?? (() => new Date());
    this.#plugins = options.plugins;
    const locale = options.locale ?? "en-US";
    const timeZone = options.timeZone;
    this.#timeFormat = new Intl.DateTimeFormat(locale, { hour: "numeric", minute: "2-digit", timeZone });
    this.#dateFormat = new Intl.DateTimeFormat(locale, {
      weekday: "long",
      year: "numeric",
      month: "long",
      day: "numeric",
      timeZone,
    });
  }

  async reply(messages: ChatMessage[], options: ReplyOptions = {}): Promise<string> {
    options.signal?.throwIfAborted();
    const text = await this.#answer(lastUserMessage(messages), options.signal);
    options.onDelta?.(text);
    return text;
  }

  async #answer(request: string, signal?: AbortSignal): Promise<string> {
    const echoed = extractEchoWords(request);
    if (echoed) return echoed;

    const normalized = normalizeRequest(request);
    // Some ICU versions write a narrow no-break space (U+202F) before "PM", so all whitespace is made plain.
    if (TIME_PATTERN.test(normalized)) return `It is ${this.#timeFormat.format(this.#now()).replace(/\s/gu, " ")}.`;
    if (DATE_PATTERN.test(normalized)) return `Today is ${this.#dateFormat.format(this.#now())}.`;
    const fromPlugin = await this.#callPlugin(normalized, signal);
    if (fromPlugin) return fromPlugin;
    if (HELP_PATTERN.test(normalized)) return `I'm running offline. ${CAPABILITIES} ${CONFIGURE_LLM}`;
    if (GREETING_PATTERN.test(normalized)) return `Hello! ${CAPABILITIES}`;
    return `Sorry, I can't answer that offline. ${CAPABILITIES} ${CONFIGURE_LLM}`;
  }

  /** Calls a plugin when a simple intent rule matches ("search for ...", "time in ..."). */
  async #callPlugin(request: string, signal?: AbortSignal): Promise<string | undefined> {
    if (!this.#plugins) return undefined;
    const intent = matchIntent(request, this.#plugins);
    if (!intent) return undefined;
    try {
      return await this.#plugins.call(intent.plugin, intent.args, { signal });
    } catch (error) {
      signal?.throwIfAborted();
      log.warn({ plugin: intent.plugin, err: (error as Error).message }, "plugin call failed");
      return `Sorry, the ${intent.plugin.replace(/_/g, " ")} tool failed.`;
    }
  }
}

function lastUserMessage(messages: ChatMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i].role === "user") return messages[i].content;
  }
  return "";
}

/**
 * Lowercases the request and removes the punctuation whisper adds ("What time is it?", " Hello.").
 * Apostrophes stay, with typographic ones made straight, so that "what's" and "today's" still match.
 */
function normalizeRequest(text: string): string {
  return text
    .toLowerCase()
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[^\p{L}\p{N}'\s]+/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** Returns the words after "say", "repeat after me" or "echo" in their original case, or undefined. */
function extractEchoWords(request: string): string | undefined {
  const match = ECHO_PATTERN.exec(request.trim());
  if (!match) return undefined;
  const words = match[1]
    .replace(/^["'\u201c\u2018\s]+/, "")
    .replace(/["'\u201d\u2019\s.,;:]+$/, "");
  return words === "" ? undefined : words;
}
