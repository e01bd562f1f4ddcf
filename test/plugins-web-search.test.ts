import t, { type Test } from "tap";

import { RexError, isRexError } from "../src/errors.js";
import { bundledPluginsDir } from "../src/plugins/bundled.js";
import { loadPlugins } from "../src/plugins/load.js";
import { parseDuckDuckGoHtml } from "../plugins/web-search/duckduckgo.js";
import { OSLO_RESULTS, startSearchServer, type SearchServerOptions } from "./helpers/search-server.js";

const BRAVE_KEY = "brave-test-key-1234";
const SERPAPI_KEY = "serpapi-test-key-5678";

/**
 * Starts the search server and loads the bundled web_search plugin with every provider URL set to
 * it, so no request leaves 127.0.0.1.
 */
async function setUp(t: Test, serverOptions: SearchServerOptions, settings: Record<string, unknown> = {}) {
  const server = await startSearchServer({ braveKey: BRAVE_KEY, serpapiKey: SERPAPI_KEY, ...serverOptions });
  t.teardown(() => server.close());
  const registry = await loadPlugins([bundledPluginsDir()], {
    maxOutputChars: 4000,
    settings: { web_search: { ...server.urls, requestTimeoutMs: 2000, ...settings } },
  });
  return { server, registry };
}

async function rejection(promise: Promise<unknown>): Promise<RexError> {
  try {
    await promise;
  } catch (error) {
    return error as RexError;
  }
  throw new Error("expected the promise to reject");
}

t.test("DuckDuckGo page parses to results", async (t) => {
  const server = await startSearchServer();
  t.teardown(() => server.close());
  const html = await (await fetch(`${server.urls.duckduckgoUrl}?q=oslo`)).text();

  const results = parseDuckDuckGoHtml(html);

  t.equal(results.length, 3, "three results, the ad skipped");
  t.same(results[0], OSLO_RESULTS[0], "title, address and snippet of the first result");
  t.equal(results[1].url, "https://www.visitoslo.com/en/?lang=en&ref=search", "redirect address decoded");
  t.equal(results[0].snippet, "Oslo is the capital and most populous city of Norway & its county.", "bold tags and entities removed");
});

t.test("DuckDuckGo empty page parses to none", async (t) => {
  t.same(parseDuckDuckGoHtml('<div id="links" class="results"><div class="no-results">No  results.</div></div>'), [], "no results");
});

t.test("web_search uses DuckDuckGo without keys", async (t) => {
  const { server, registry } = await setUp(t, {});

  const output = await registry.call("web_search", { query: "Oslo" });

  t.same(server.requests.map((request) => request.provider), ["duckduckgo"], "only DuckDuckGo was asked");
  t.equal(server.requests[0].query.get("q"), "Oslo", "with the query");
  t.match(output, 'Web results for "Oslo" from DuckDuckGo:', "names the provider");
  t.match(output, "1. Oslo - Wikipedia - Oslo is the capital", "first result with snippet");
  t.match(output, "(https://en.wikipedia.org/wiki/Oslo)", "first result's address");
  t.match(output, "3. Oslo weather forecast", "third result");
  t.notMatch(output, "Cheap flights", "no ad");
});

t.test("web_search prefers Brave with key", async (t) => {
  const { server, registry } = await setUp(t, {}, { braveApiKey: BRAVE_KEY, serpapiApiKey: SERPAPI_KEY });

  const output = await registry.call("web_search", { query: "Oslo", maxResults: 2 });

  t.same(server.requests.map((request) => request.provider), ["brave"], "the default order starts with Brave");
  t.equal(server.requests[0].headers["x-subscription-token"], BRAVE_KEY, "the key is sent as the subscription token");
  t.equal(server.requests[0].query.get("count"), "2", "the count is sent");
  t.match(output, 'from Brave Search: 1. Oslo - Wikipedia - Oslo is the capital and most populous city', "Brave's results");
  t.notMatch(output, "<strong>", "highlight tags removed");
  t.notMatch(output, "3. ", "at most two results");
});

t.test("web_search uses SerpApi with key", async (t) => {
  const { server, registry } = await setUp(t, {}, { serpapiApiKey: SERPAPI_KEY });

  const output = await registry.call("web_search", { query: "Oslo" });

  t.same(server.requests.map((request) => request.provider), ["serpapi"], "SerpApi before DuckDuckGo");
  t.equal(server.requests[0].query.get("api_key"), SERPAPI_KEY, "the key is sent");
  t.equal(server.requests[0].query.get("engine"), "google", "the Google engine");
  t.match(output, 'from SerpApi: 1. Oslo - Wikipedia', "SerpApi's results");
});

t.test("web_search follows provider order", async (t) => {
  const settings = { braveApiKey: BRAVE_KEY, providers: ["duckduckgo", "brave"] };
  const { server, registry } = await setUp(t, {}, settings);

  const output = await registry.call("web_search", { query: "Oslo" });

  t.same(server.requests.map((request) => request.provider), ["duckduckgo"], "DuckDuckGo first as set");
  t.match(output, "from DuckDuckGo", "DuckDuckGo's results");
});

t.test("web_search falls back after failure", async (t) => {
  const settings = { braveApiKey: BRAVE_KEY, serpapiApiKey: SERPAPI_KEY };
  const { server, registry } = await setUp(t, { status: { brave: 503 }, hang: ["serpapi"] }, { ...settings, requestTimeoutMs: 500 });

  const output = await registry.call("web_search", { query: "Oslo" });

  t.same(server.requests.map((request) => request.provider), ["brave", "serpapi", "duckduckgo"], "each provider in order");
  t.match(output, "from DuckDuckGo", "the last provider's results");
});

t.test("web_search reports every failure", async (t) => {
  const { registry } = await setUp(t, { status: { duckduckgo: 503 } }, { braveApiKey: "wrong-key-000", serpapiApiKey: "" });

  const error = await rejection(registry.call("web_search", { query: "Oslo" }));

  t.ok(isRexError(error, "PLUGIN_FAILED"), `code PLUGIN_FAILED: ${error}`);
  t.match(error.message, "no search provider returned results", "says what failed");
  t.match(error.message, "brave: Brave Search rejected the API key with HTTP 401; check braveApiKey", "Brave's reason");
  t.match(error.message, "serpapi: skipped because serpapiApiKey is not set", "SerpApi's reason");
  t.match(error.message, "duckduckgo: DuckDuckGo returned HTTP 503", "DuckDuckGo's reason");
  t.notMatch(error.message, "wrong-key-000", "the key is not in the message");
});

t.test("web_search reports bot check", async (t) => {
  const { registry } = await setUp(t, { botCheck: true });

  const error = await rejection(registry.call("web_search", { query: "Oslo" }));

  t.match(error.message, "DuckDuckGo sent a bot check instead of results", "says why");
});

t.test("web_search reports no results", async (t) => {
  const { registry } = await setUp(t, { results: [] });

  t.equal(await registry.call("web_search", { query: "xqzv" }), 'No web results for "xqzv" from DuckDuckGo.', "DuckDuckGo");
});

t.test("web_search reports no SerpApi results", async (t) => {
  const { registry } = await setUp(t, { results: [] }, { serpapiApiKey: SERPAPI_KEY });

  t.equal(await registry.call("web_search", { query: "xqzv" }), 'No web results for "xqzv" from SerpApi.', "SerpApi");
});

t.test("web_search rejects unknown provider", async (t) => {
  const { server, registry } = await setUp(t, {}, { providers: ["bing", "duckduckgo"] });

  const output = await registry.call("web_search", { query: "Oslo" });

  t.match(output, "from DuckDuckGo", "skips to the next provider");
  t.equal(server.requests.length, 1, "one request");
});

t.test("web_search validates query", async (t) => {
  const { server, registry } = await setUp(t, {});

  const error = await rejection(registry.call("web_search", { query: "" }));

  t.ok(isRexError(error, "PLUGIN_ARGUMENTS_INVALID"), `code PLUGIN_ARGUMENTS_INVALID: ${error}`);
  t.match(error.message, "query: must be at least 1 characters long", "names the field");
  t.equal(server.requests.length, 0, "no request was sent");
});
