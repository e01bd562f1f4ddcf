import t from "tap";

import { isRexError, type RexError } from "../src/errors.js";
import { bundledPluginsDir } from "../src/plugins/bundled.js";
import { loadPlugins } from "../src/plugins/load.js";
import { describeTime, resolveTimeZone } from "../plugins/time.js";

t.test("resolveTimeZone accepts zones and cities", async (t) => {
  const cases: Array<[string, string | undefined]> = [
    ["Europe/Paris", "Europe/Paris"],
    ["europe/paris", "Europe/Paris"],
    ["UTC", "UTC"],
    ["Tokyo", "Asia/Tokyo"],
    ["new york", "America/New_York"],
    ["San Francisco", "America/Los_Angeles"],
    ["Mumbai", "Asia/Kolkata"],
    ["Atlantis", undefined],
  ];
  for (const [location, zone] of cases) {
    t.equal(resolveTimeZone(location), zone, location);
  }
});

t.test("describeTime formats date in zone", async (t) => {
  const date = new Date("2025-03-14T15:09:26Z");

  t.equal(
    describeTime(date, { timeZone: "Asia/Tokyo", place: "Tokyo" }),
    "It is 12:09 AM on Saturday, March 15, 2025 in Tokyo (Asia/Tokyo).",
    "with a place",
  );
  t.equal(describeTime(date, { timeZone: "UTC" }), "It is 3:09 PM on Friday, March 14, 2025 (UTC).", "without a place");
  t.equal(
    describeTime(date, { timeZone: "Europe/Berlin", locale: "de-DE" }),
    "It is 16:09 on Freitag, 14. März 2025 (Europe/Berlin).",
    "in another locale",
  );
});

t.test("bundled plugins load", async (t) => {
  const registry = await loadPlugins([bundledPluginsDir()]);

  t.same(registry.plugins.map((plugin) => plugin.name).sort(), ["time", "web_search"], "time and web_search");
  t.same(registry.loadErrors, [], "no errors");
});

t.test("time plugin runs in worker", async (t) => {
  const registry = await loadPlugins([bundledPluginsDir()], { settings: { time: { timeZone: "UTC" } } });

  const tokyo = await registry.call("time", { location: "Tokyo" });
  const local = await registry.call("time", {});

  t.match(tokyo, /^It is \d{1,2}:\d{2} [AP]M on \w+day, \w+ \d{1,2}, \d{4} in Tokyo \(Asia\/Tokyo\)\.$/, tokyo);
  t.match(local, /^It is \d{1,2}:\d{2} [AP]M on .+ \(UTC\)\.$/, local);
});

t.test("time plugin rejects unknown place", async (t) => {
  const registry = await loadPlugins([bundledPluginsDir()]);

  const error = (await registry.call("time", { location: "Atlantis" }).catch((caught: unknown) => caught)) as RexError;

  t.ok(isRexError(error, "PLUGIN_FAILED"), `code PLUGIN_FAILED: ${error}`);
  t.match(error.message, 'unknown time zone or city "Atlantis"', "names the place");
  t.match(error.message, "Europe/Paris", "gives an example");
});
