import t from "tap";

import { bundledPluginsDir } from "../src/plugins/bundled.js";
import { pluginLoadArguments, pluginSettingsSchema } from "../src/plugins/settings.js";

t.test("pluginSettingsSchema has defaults", async (t) => {
  const settings = pluginSettingsSchema.parse(undefined);

  t.equal(settings.enabled, true, "enabled");
  t.equal(settings.timeoutMs, 10_000, "10 s timeout");
  t.equal(settings.maxCallsPerMinute, 10, "10 calls per minute");
  t.equal(settings.maxOutputChars, 2000, "2000 characters");
  t.same(settings.webSearch.providers, ["brave", "serpapi", "duckduckgo"], "keyed providers first");
});

t.test("pluginSettingsSchema rejects bad values", async (t) => {
  t.notOk(pluginSettingsSchema.safeParse({ webSearch: { providers: ["bing"] } }).success, "unknown provider");
  t.notOk(pluginSettingsSchema.safeParse({ webSearch: { providers: [] } }).success, "no provider");
  t.notOk(pluginSettingsSchema.safeParse({ timeoutMs: 10 }).success, "timeout under 100 ms");
});

t.test("pluginLoadArguments maps settings", async (t) => {
  const settings = pluginSettingsSchema.parse({
    dirs: ["/home/user/.config/rex/plugins"],
    timeoutMs: 5000,
    webSearch: { providers: ["duckduckgo"], braveApiKey: "key" },
    time: { locale: "en-GB" },
  });

  const { dirs, options } = pluginLoadArguments(settings);

  t.same(dirs, [bundledPluginsDir(), "/home/user/.config/rex/plugins"], "bundled plugins first");
  t.equal(options.timeoutMs, 5000, "timeout");
  t.same(options.settings?.web_search, { providers: ["duckduckgo"], braveApiKey: "key", maxResults: 5 }, "web_search settings");
  t.same(options.settings?.time, { locale: "en-GB" }, "time settings without unset fields");
});

t.test("pluginLoadArguments without plugins", async (t) => {
  t.same(pluginLoadArguments(pluginSettingsSchema.parse({ enabled: false })).dirs, [], "disabled");
  t.same(pluginLoadArguments(pluginSettingsSchema.parse({ bundled: false })).dirs, [], "no bundled plugins");
});
