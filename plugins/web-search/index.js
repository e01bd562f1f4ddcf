/**
 * The bundled `web_search` plugin. It queries the providers in the order of the `providers` setting
 * and returns the first list of results it gets, so a failed provider falls back to the next.
 * Providers that need a key are skipped while their key is unset.
 *
 * Settings, all optional:
 * - `providers`: order of "brave", "serpapi" and "duckduckgo"; default ["brave", "serpapi", "duckduckgo"].
 * - `braveApiKey`, `serpapiApiKey`: API keys.
 * - `duckduckgoUrl`, `braveUrl`, `serpapiUrl`: endpoints, so that tests can use a local server.
 * - `maxResults`: results returned when the call does not say; default 5.
 * - `requestTimeoutMs`: wait for one provider before trying the next; default 5000.
 */
import { BRAVE_URL, searchBrave } from "./brave.js";
import { DUCKDUCKGO_URL, searchDuckDuckGo } from "./duckduckgo.js";
import { SERPAPI_URL, searchSerpApi } from "./serpapi.js";

export const DEFAULT_PROVIDERS = ["brave", "serpapi", "duckduckgo"];

const PROVIDERS = {
  brave: { label: "Brave Search", search: searchBrave, urlSetting: "braveUrl", defaultUrl: BRAVE_URL, keySetting: "braveApiKey" },
  serpapi: { label: "SerpApi", search: searchSerpApi, urlSetting: "serpapiUrl", defaultUrl: SERPAPI_URL, keySetting: "serpapiApiKey" },
  duckduckgo: { label: "DuckDuckGo", search: searchDuckDuckGo, urlSetting: "duckduckgoUrl", defaultUrl: DUCKDUCKGO_URL },
};

/**
 * Searches with each provider in turn and returns the first provider's label and results. Throws
 * an error that lists every provider's failure when none of them returns results.
 */
export async function searchWeb(query, count, settings) {
  const order = Array.isArray(settings.providers) ? settings.providers : DEFAULT_PROVIDERS;
  const timeoutMs = Number.isInteger(settings.requestTimeoutMs) ? settings.requestTimeoutMs : 5000;
  const failures = [];
  for (const id of order) {
    const provider = Object.hasOwn(PROVIDERS, id) ? PROVIDERS[id] : undefined;
    if (!provider) {
      failures.push(`${id}: unknown provider; use brave, serpapi or duckduckgo`);
      continue;
    }
    const apiKey = provider.keySetting ? settings[provider.keySetting] : undefined;
    if (provider.keySetting && (typeof apiKey !== "string" || apiKey === "")) {
      failures.push(`${id}: skipped because ${provider.keySetting} is not set`);
      continue;
    }
    const baseUrl = typeof settings[provider.urlSetting] === "string" ? settings[provider.urlSetting] : provider.defaultUrl;
    try {
      const results = await provider.search(query, { count, baseUrl, apiKey, signal: AbortSignal.timeout(timeoutMs) });
      return { provider: provider.label, results };
    } catch (error) {
      const reason = error?.name === "TimeoutError" ? `no response within ${timeoutMs} ms` : error?.message;
      failures.push(`${id}: ${reason ?? String(error)}`);
    }
  }
  throw new Error(`no search provider returned results (${failures.join("; ")})`);
}

/** Formats results as numbered lines of title, snippet and address. */
export function formatResults(query, provider, results) {
  if (results.length === 0) return `No web results for "${query}" from ${provider}.`;
  const lines = results.map((result, i) => {
    const snippet = result.snippet ? ` - ${result.snippet}` : "";
    return `${i + 1}. ${result.title}${snippet} (${result.url})`;
  });
  return [`Web results for "${query}" from ${provider}:`, ...lines].join("\n");
}

export default {
  name: "web_search",
  description:
    "Searches the web and returns the top results with title, snippet and address. " +
    "Use it for recent events and facts you are unsure of.",
  parameters: {
    type: "object",
    properties: {
      query: { type: "string", description: "The search terms", minLength: 1, maxLength: 200 },
      maxResults: { type: "integer", description: "Number of results to return", minimum: 1, maximum: 10 },
    },
    required: ["query"],
    additionalProperties: false,
  },
  async run(args, context) {
    const settings = context.settings;
    const fallbackCount = Number.isInteger(settings.maxResults) ? settings.maxResults : 5;
    const count = args.maxResults ?? fallbackCount;
    const { provider, results } = await searchWeb(args.query, count, settings);
    return formatResults(args.query, provider, results);
  },
};
