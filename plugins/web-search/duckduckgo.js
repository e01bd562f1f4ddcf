/**
 * DuckDuckGo's HTML results page, which needs no key. Each result on it is a
 * `<div class="result ...">` block with an `a.result__a` title link and an element with class
 * `result__snippet`. Links go through a redirect, `//duckduckgo.com/l/?uddg=<target>`, whose
 * `uddg` parameter contains the target address. Ads carry the class `result--ad` and are skipped.
 */
import { attribute, hasClass, htmlToText } from "./html.js";

export const DUCKDUCKGO_URL = "https://html.duckduckgo.com/html/";

/** Fetches the results page for `query` and returns up to `count` results. */
export async function searchDuckDuckGo(query, { count, baseUrl, signal }) {
  const url = new URL(baseUrl);
  url.searchParams.set("q", query);
  const response = await fetch(url, {
    headers: { "user-agent": "Mozilla/5.0 (compatible; rex voice assistant)", accept: "text/html" },
    signal,
  });
  const html = await response.text();
  if (!response.ok) throw new Error(`DuckDuckGo returned HTTP ${response.status}`);
  // A bot check comes back as HTTP 202 or 200 with a challenge form instead of results.
  if (response.status === 202 || /anomaly-modal|challenge-form/.test(html)) {
    throw new Error("DuckDuckGo sent a bot check instead of results");
  }
  return parseDuckDuckGoHtml(html).slice(0, count);
}

/** Extracts the organic results from a DuckDuckGo HTML results page. */
export function parseDuckDuckGoHtml(html) {
  const starts = [...html.matchAll(/<div\b([^>]*)>/g)].filter((match) => hasClass(match[1], "result"));
  const results = [];
  starts.forEach((start, i) => {
    if (hasClass(start[1], "result--ad")) return;
    const block = html.slice(start.index, starts[i + 1]?.index ?? html.length);
    const result = parseResultBlock(block);
    if (result) results.push(result);
  });
  return results;
}

function parseResultBlock(block) {
  // Links never nest, so each <a> ends at the first </a>; a snippet holds only inline tags such as <b>.
  const link = [...block.matchAll(/<a\b([^>]*)>([\s\S]*?)<\/a>/g)].find((match) => hasClass(match[1], "result__a"));
  if (!link) return undefined;
  const snippets = block.matchAll(/<(a|div|td)\b([^>]*\bresult__snippet\b[^>]*)>([\s\S]*?)<\/\1>/g);
  const snippet = [...snippets].find((match) => hasClass(match[2], "result__snippet"));
  const title = htmlToText(link[2]);
  const href = attribute(link[1], "href");
  const url = href && targetUrl(href);
  return title && url ? { title, url, snippet: snippet ? htmlToText(snippet[3]) : "" } : undefined;
}

/** Resolves a result link, following DuckDuckGo's redirect form, to an http or https address. */
function targetUrl(href) {
  let url;
  try {
    url = new URL(href, "https://duckduckgo.com/");
  } catch {
    return undefined;
  }
  const redirected = url.pathname === "/l/" ? url.searchParams.get("uddg") : null;
  if (redirected) return targetUrl(redirected);
  return url.protocol === "https:" || url.protocol === "http:" ? url.href : undefined;
}
