/**
 * A loopback server that responds like the three web search providers of the web_search plugin:
 * DuckDuckGo's HTML results page at GET /html/, Brave Search's JSON at GET /res/v1/web/search and
 * SerpApi's JSON at GET /search.json. The bodies are written by hand in the shape of the real ones.
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

/** One search result as a provider's fixture lists it. */
export interface FixtureResult {
  title: string;
  url: string;
  snippet: string;
}

export type ProviderId = "duckduckgo" | "brave" | "serpapi";

export interface SearchServerOptions {
  results?: FixtureResult[];
  /** HTTP status to send instead of results, per provider. */
  status?: Partial<Record<ProviderId, number>>;
  /** Providers whose response never comes, so the client's timeout must end the request. */
  hang?: ProviderId[];
  /** Serve DuckDuckGo's bot check page in place of results. */
  botCheck?: boolean;
  braveKey?: string;
  serpapiKey?: string;
}

export interface RecordedSearch {
  provider: ProviderId;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
}

export interface SearchServer {
  /** Settings for the web_search plugin that point every provider at this server. */
  urls: { duckduckgoUrl: string; braveUrl: string; serpapiUrl: string };
  requests: RecordedSearch[];
  close(): Promise<void>;
}

export const OSLO_RESULTS: FixtureResult[] = [
  {
    title: "Oslo - Wikipedia",
    url: "https://en.wikipedia.org/wiki/Oslo",
    snippet: "Oslo is the capital and most populous city of Norway & its county.",
  },
  {
    title: "Visit Oslo | Official travel guide",
    url: "https://www.visitoslo.com/en/?lang=en&ref=search",
    snippet: "Things to do, places to eat and where to stay in Oslo.",
  },
  {
    title: "Oslo weather forecast",
    url: "https://www.yr.no/en/forecast/daily-table/1-72837/Norway/Oslo/Oslo/Oslo",
    snippet: "Rain, 4 degrees. Wind 3 m/s from the south-west.",
  },
];

const PATHS: Record<string, ProviderId> = { "/html/": "duckduckgo", "/res/v1/web/search": "brave", "/search.json": "serpapi" };

/** Starts the server on 127.0.0.1 with a port chosen by the system. */
export async function startSearchServer(options: SearchServerOptions = {}): Promise<SearchServer> {
  const requests: RecordedSearch[] = [];
  const results = options.results ?? OSLO_RESULTS;
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const provider = PATHS[url.pathname];
    if (!provider || request.method !== "GET") {
      response.writeHead(404).end();
      return;
    }
    requests.push({ provider, query: url.searchParams, headers: request.headers });
    if (options.hang?.includes(provider)) return;
    const status = options.status?.[provider];
    if (status !== undefined) {
      response.writeHead(status, { "content-type": "text/plain" }).end("unavailable");
      return;
    }
    const count = Number(url.searchParams.get("count") ?? url.searchParams.get("num") ?? results.length);
    if (provider === "duckduckgo") {
      const body = options.botCheck ? botCheckPage() : duckDuckGoPage(url.searchParams.get("q") ?? "", results);
      response.writeHead(200, { "content-type": "text/html; charset=UTF-8" }).end(body);
    } else if (provider === "brave") {
      if (request.headers["x-subscription-token"] !== options.braveKey) {
        sendJson(response, 401, braveError());
        return;
      }
      sendJson(response, 200, braveBody(url.searchParams.get("q") ?? "", results.slice(0, count)));
    } else {
      if (url.searchParams.get("api_key") !== options.serpapiKey) {
        sendJson(response, 401, { error: "Invalid API key. Your API key should be here: https://serpapi.com/manage-api-key" });
        return;
      }
      sendJson(response, 200, serpApiBody(url.searchParams.get("q") ?? "", results.slice(0, count)));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const root = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () =>
    new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });
  return {
    urls: { duckduckgoUrl: `${root}/html/`, braveUrl: `${root}/res/v1/web/search`, serpapiUrl: `${root}/search.json` },
    requests,
    close,
  };
}

function sendJson(response: import("node:http").ServerResponse, status: number, body: object): void {
  response.writeHead(status, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify(body));
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#x27;");
}

/** Marks the query's words in bold, as the providers do in titles and snippets. */
function highlight(text: string, query: string, open: string, close: string): string {
  const words = query.split(/\s+/).filter((word) => word.length > 2);
  let html = escapeHtml(text);
  for (const word of words) html = html.replace(new RegExp(`\\b(${word})\\b`, "gi"), `${open}$1${close}`);
  return html;
}

function duckDuckGoResult(result: FixtureResult, query: string): string {
  const redirect = `//duckduckgo.com/l/?uddg=${encodeURIComponent(result.url)}&amp;rut=5f1c${result.title.length}e0`;
  const host = new URL(result.url).host;
  return `
<div class="result results_links results_links_deep web-result ">
  <div class="links_main links_deep result__body">
    <h2 class="result__title">
      <a rel="nofollow" class="result__a" href="${redirect}">${highlight(result.title, query, "<b>", "</b>")}</a>
    </h2>
    <div class="result__extras">
      <div class="result__extras__url">
        <span class="result__icon"><a rel="nofollow" href="${redirect}"><img class="result__icon__img" width="16" height="16" alt="" src="//external-content.duckduckgo.com/ip3/${host}.ico" name="i15" /></a></span>
        <a class="result__url" href="${redirect}">${escapeHtml(host)}</a>
      </div>
    </div>
    <a class="result__snippet" href="${redirect}">${highlight(result.snippet, query, "<b>", "</b>")}</a>
    <div class="clear"></div>
  </div>
</div>`;
}

function duckDuckGoAd(): string {
  return `
<div class="result results_links results_links_deep result--ad ">
  <div class="links_main links_deep result__body">
    <h2 class="result__title">
      <a rel="nofollow" class="result__a" href="https://duckduckgo.com/y.js?ad_domain=cheap-flights.example&amp;ad_provider=bingv7aa">Cheap flights to Oslo</a>
    </h2>
    <a class="result__snippet" href="https://duckduckgo.com/y.js?ad_domain=cheap-flights.example">Book now and save.</a>
    <div class="result__extras"><span class="badge--ad">Ad</span></div>
  </div>
</div>`;
}

function duckDuckGoPage(query: string, results: FixtureResult[]): string {
  const body =
    results.length === 0
      ? '<div class="no-results">No  results.</div>'
      : duckDuckGoAd() + results.map((result) => duckDuckGoResult(result, query)).join("\n");
  return `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
  <meta http-equiv="content-type" content="text/html; charset=UTF-8" />
  <title>${escapeHtml(query)} at DuckDuckGo</title>
  <link rel="stylesheet" href="/dist/h.css" type="text/css"/>
</head>
<body>
  <div id="header" class="header cw">
    <form name="x" class="header__form" action="/html/" method="post">
      <input type="text" name="q" class="search__input" value="${escapeHtml(query)}" autocomplete="off"/>
      <input name="b" id="search_button" class="search__button" type="submit" value="" />
    </form>
  </div>
  <div>
    <div class="serp__results">
      <div id="links" class="results">
${body}
        <div class="nav-link">
          <form action="/html/" method="post">
            <input type="submit" class="btn btn--alt" value="Next" />
            <input type="hidden" name="q" value="${escapeHtml(query)}" />
            <input type="hidden" name="s" value="10" />
          </form>
        </div>
      </div>
    </div>
  </div>
</body>
</html>`;
}

function botCheckPage(): string {
  return `<!DOCTYPE html><html><body>
<div class="anomaly-modal__mask"><div class="anomaly-modal__modal" data-testid="anomaly-modal">
<div class="anomaly-modal__title">Unfortunately, bots use DuckDuckGo too.</div>
<form id="challenge-form" action="//duckduckgo.com/anomaly.js?sv=html" method="POST"></form>
</div></div></body></html>`;
}

function braveBody(query: string, results: FixtureResult[]): object {
  return {
    query: { original: query, show_strict_warning: false, is_navigational: false, spellcheck_off: true, country: "us", more_results_available: true },
    mixed: { type: "mixed", main: results.map((_, index) => ({ type: "web", index, all: false })), top: [], side: [] },
    type: "search",
    web: {
      type: "search",
      family_friendly: true,
      results: results.map((result) => {
        const url = new URL(result.url);
        return {
          title: result.title,
          url: result.url,
          is_source_local: false,
          is_source_both: false,
          description: highlight(result.snippet, query, "<strong>", "</strong>"),
          page_age: "2025-11-02T08:15:00",
          profile: { name: url.hostname, url: result.url, long_name: url.hostname, img: "https://imgs.search.brave.com/x.png" },
          language: "en",
          family_friendly: true,
          type: "search_result",
          subtype: "generic",
          meta_url: { scheme: "https", netloc: url.hostname, hostname: url.hostname, favicon: "https://imgs.search.brave.com/f.png", path: url.pathname },
          age: "November 2, 2025",
        };
      }),
    },
  };
}

function braveError(): object {
  return {
    type: "ErrorResponse",
    error: { id: "4ba1c0e6", status: 401, code: "SUBSCRIPTION_TOKEN_INVALID", detail: "The provided subscription token is invalid.", meta: { component: "authentication" } },
    time: 1733300000,
  };
}

function serpApiBody(query: string, results: FixtureResult[]): object {
  const metadata = {
    id: "675043a1b2c3d4e5f6a7b8c9",
    status: "Success",
    json_endpoint: "https://serpapi.com/searches/675043a1b2c3d4e5/675043a1b2c3d4e5f6a7b8c9.json",
    created_at: "2025-12-04 12:00:01 UTC",
    processed_at: "2025-12-04 12:00:01 UTC",
    google_url: `https://www.google.com/search?q=${encodeURIComponent(query)}&oq=${encodeURIComponent(query)}&num=10&sourceid=chrome&ie=UTF-8`,
    total_time_taken: 1.37,
  };
  const parameters = { engine: "google", q: query, google_domain: "google.com", device: "desktop" };
  if (results.length === 0) {
    return {
      search_metadata: metadata,
      search_parameters: parameters,
      search_information: { organic_results_state: "Fully empty", query_displayed: query },
      error: "Google hasn't returned any results for this query.",
    };
  }
  return {
    search_metadata: metadata,
    search_parameters: parameters,
    search_information: { query_displayed: query, total_results: 48300000, time_taken_displayed: 0.31, organic_results_state: "Results for exact spelling" },
    organic_results: results.map((result, i) => ({
      position: i + 1,
      title: result.title,
      link: result.url,
      redirect_link: `https://www.google.com/url?sa=t&url=${encodeURIComponent(result.url)}`,
      displayed_link: result.url.replace(/^https:\/\//, "").replace(/\/$/, ""),
      favicon: "https://serpapi.com/searches/favicon.png",
      snippet: result.snippet,
      snippet_highlighted_words: [query],
      source: new URL(result.url).hostname,
    })),
  };
}
