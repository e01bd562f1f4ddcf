/** The Brave Search web API, which needs a subscription token (the API key). */
import { htmlToText } from "./html.js";

export const BRAVE_URL = "https://api.search.brave.com/res/v1/web/search";

/** Requests results for `query` and returns up to `count` of them. */
export async function searchBrave(query, { count, baseUrl, apiKey, signal }) {
  const url = new URL(baseUrl);
  url.searchParams.set("q", query);
  url.searchParams.set("count", String(count));
  const response = await fetch(url, {
    headers: { accept: "application/json", "x-subscription-token": apiKey },
    signal,
  });
  if (response.status === 401 || response.status === 403 || response.status === 422) {
    throw new Error(`Brave Search rejected the API key with HTTP ${response.status}; check braveApiKey`);
  }
  if (!response.ok) throw new Error(`Brave Search returned HTTP ${response.status}`);
  const body = await response.json();
  const results = body?.web?.results ?? [];
  if (!Array.isArray(results)) throw new Error("Brave Search sent web.results that is not an array");
  // Descriptions mark the query's words with <strong>, so tags are removed.
  return results
    .filter((result) => typeof result?.title === "string" && typeof result?.url === "string")
    .slice(0, count)
    .map((result) => ({
      title: htmlToText(result.title),
      url: result.url,
      snippet: typeof result.description === "string" ? htmlToText(result.description) : "",
    }));
}
