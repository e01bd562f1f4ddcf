/** SerpApi's Google results in JSON, which needs an API key. */
export const SERPAPI_URL = "https://serpapi.com/search.json";

/** Requests results for `query` and returns up to `count` of them. */
export async function searchSerpApi(query, { count, baseUrl, apiKey, signal }) {
  const url = new URL(baseUrl);
  url.searchParams.set("engine", "google");
  url.searchParams.set("q", query);
  url.searchParams.set("num", String(count));
  url.searchParams.set("api_key", apiKey);
  const response = await fetch(url, { headers: { accept: "application/json" }, signal });
  const body = await response.json().catch(() => undefined);
  if (response.status === 401 || response.status === 403) {
    throw new Error(`SerpApi rejected the API key with HTTP ${response.status}; check serpapiApiKey`);
  }
  if (!response.ok) throw new Error(`SerpApi returned HTTP ${response.status}`);
  const results = body?.organic_results;
  if (results === undefined) {
    // SerpApi reports an empty result page as HTTP 200 with an error text and no organic_results.
    if (typeof body?.error === "string" && /hasn't returned any results/i.test(body.error)) return [];
    throw new Error(`SerpApi sent no organic_results${typeof body?.error === "string" ? `: ${body.error}` : ""}`);
  }
  if (!Array.isArray(results)) throw new Error("SerpApi sent organic_results that is not an array");
  return results
    .filter((result) => typeof result?.title === "string" && typeof result?.link === "string")
    .slice(0, count)
    .map((result) => ({
      title: result.title,
      url: result.link,
      snippet: typeof result.snippet === "string" ? result.snippet : "",
    }));
}
