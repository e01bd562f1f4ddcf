import t from "tap";

import { matchIntent } from "../src/plugins/intents.js";
import { PluginRegistry } from "../src/plugins/registry.js";
import type { PluginInfo } from "../src/plugins/types.js";

function registryWith(...names: string[]): PluginRegistry {
  const plugins: PluginInfo[] = names.map((name) => ({
    name,
    description: name,
    parameters: { type: "object", properties: {} },
    file: `/plugins/${name}.js`,
  }));
  return new PluginRegistry(plugins);
}

const BOTH = registryWith("time", "web_search");

t.test("matchIntent finds web searches", async (t) => {
  const cases: Array<[string, string]> = [
    ["Search for the weather in Paris.", "the weather in Paris"],
    ["search the web for Node.js worker threads", "Node.js worker threads"],
    ["Look up Ada Lovelace", "Ada Lovelace"],
    ["Please look up the tallest building?", "the tallest building"],
    ["Google the price of tea", "the price of tea"],
    ["Rex, search for cheap flights to Oslo!", "cheap flights to Oslo"],
    ["Can you search for \u201cquantum dots\u201d", "quantum dots"],
  ];
  for (const [text, query] of cases) {
    t.same(matchIntent(text, BOTH), { plugin: "web_search", args: { query } }, text);
  }
});

t.test("matchIntent finds time in city", async (t) => {
  const cases: Array<[string, string]> = [
    ["What time is it in Tokyo?", "Tokyo"],
    ["what's the time in New York", "New York"],
    ["What\u2019s the time in the Hague?", "Hague"],
    ["Time in Europe/Berlin.", "Europe/Berlin"],
    ["What time is it now in San Francisco?", "San Francisco"],
  ];
  for (const [text, location] of cases) {
    t.same(matchIntent(text, BOTH), { plugin: "time", args: { location } }, text);
  }
});

t.test("matchIntent finds local time", async (t) => {
  for (const text of ["What time is it?", "what's the time", "What is the date today?", "What day is it"]) {
    t.same(matchIntent(text, BOTH), { plugin: "time", args: {} }, text);
  }
});

t.test("matchIntent ignores other requests", async (t) => {
  for (const text of ["Tell me a joke", "What is the capital of France?", "search", "Look up", "", "timeline of Rome"]) {
    t.equal(matchIntent(text, BOTH), undefined, JSON.stringify(text));
  }
});

t.test("matchIntent needs loaded plugin", async (t) => {
  t.equal(matchIntent("search for cats", registryWith("time")), undefined, "no web_search");
  t.equal(matchIntent("what time is it in Tokyo", registryWith("web_search")), undefined, "no time");
});
