import t, { type Test } from "tap";

import { RexError, isRexError } from "../src/errors.js";
import { loadPlugins } from "../src/plugins/load.js";
import type { PluginHostOptions } from "../src/plugins/registry.js";
import { runningWorkerCount } from "../src/plugins/worker.js";
import {
  BUSY_PLUGIN,
  CONTROL_CHARS_PLUGIN,
  ECHO_PLUGIN,
  EXITING_PLUGIN,
  HUNGRY_PLUGIN,
  LARGE_PLUGIN,
  PENDING_PLUGIN,
  SETTINGS_PLUGIN,
  THROWING_PLUGIN,
} from "./helpers/plugin-modules.js";

const PLUGINS = {
  "echo.js": ECHO_PLUGIN,
  "settings.js": SETTINGS_PLUGIN,
  "busy.js": BUSY_PLUGIN,
  "pending.js": PENDING_PLUGIN,
  "throws.js": THROWING_PLUGIN,
  "exits.js": EXITING_PLUGIN,
  "large.js": LARGE_PLUGIN,
  "noisy.js": CONTROL_CHARS_PLUGIN,
  "hungry.js": HUNGRY_PLUGIN,
};

async function registryFor(t: Test, options: PluginHostOptions = {}) {
  const registry = await loadPlugins([t.testdir(PLUGINS)], options);
  t.equal(registry.loadErrors.length, 0, "every test plugin loads");
  return registry;
}

async function rejection(promise: Promise<unknown>): Promise<RexError> {
  try {
    await promise;
  } catch (error) {
    return error as RexError;
  }
  throw new Error("expected the promise to reject");
}

t.test("call returns plugin output", async (t) => {
  const registry = await registryFor(t);

  t.equal(await registry.call("echo", { text: "hello" }), "echo: hello", "the plugin's text");
  t.equal(runningWorkerCount(), 0, "the worker has ended");
});

t.test("call converts objects to JSON", async (t) => {
  const registry = await registryFor(t, { settings: { settings: { units: "metric" } } });

  t.equal(await registry.call("settings", {}), '{"settings":{"units":"metric"}}', "settings reach the plugin");
});

t.test("call passes empty settings by default", async (t) => {
  const registry = await registryFor(t, { settings: { echo: { units: "metric" } } });

  t.equal(await registry.call("settings", {}), '{"settings":{}}', "another plugin's settings stay private");
});

t.test("call sanitises output", async (t) => {
  const registry = await registryFor(t);

  t.equal(await registry.call("noisy", {}), "Sunny and[31m warm today, 21 degrees", "controls removed, spaces collapsed");
});

t.test("call caps output length", async (t) => {
  const registry = await registryFor(t, { maxOutputChars: 50 });

  const output = await registry.call("large", {});

  t.ok(output.length <= 50, `length ${output.length} is at most 50`);
  t.ok(output.endsWith("…"), "marked as cut");
});

t.test("call rejects unknown plugin", async (t) => {
  const registry = await registryFor(t);

  const error = await rejection(registry.call("weather", {}));

  t.ok(isRexError(error, "PLUGIN_NOT_FOUND"), `code PLUGIN_NOT_FOUND: ${error}`);
  t.match(error.message, 'No plugin named "weather" is loaded', "names the plugin");
  t.match(error.message, /Loaded plugins: .*echo/, "lists the loaded plugins");
});

t.test("call rejects invalid arguments", async (t) => {
  const registry = await registryFor(t);

  const missing = await rejection(registry.call("echo", {}));
  const wrongType = await rejection(registry.call("echo", { text: 42, extra: true }));

  t.ok(isRexError(missing, "PLUGIN_ARGUMENTS_INVALID"), `code PLUGIN_ARGUMENTS_INVALID: ${missing}`);
  t.equal(missing.message, 'Invalid arguments for plugin "echo": text: missing required property.', "missing text");
  t.match(wrongType.message, "text: must be a string (got 42)", "wrong type");
  t.match(wrongType.message, "extra: unexpected property", "extra property");
});

t.test("call stops busy plugin at timeout", async (t) => {
  const registry = await registryFor(t, { timeoutMs: 500 });

  const error = await rejection(registry.call("busy", {}));

  t.ok(isRexError(error, "PLUGIN_TIMEOUT"), `code PLUGIN_TIMEOUT: ${error}`);
  t.match(error.message, 'Plugin "busy" timed out after 500 ms and was stopped', "names plugin and timeout");
  t.match(error.message, /plugins\.timeoutMs/, "names the setting");
  t.equal(runningWorkerCount(), 0, "the worker was terminated");
});

t.test("call stops pending plugin at timeout", async (t) => {
  const registry = await registryFor(t, { timeoutMs: 500 });

  const error = await rejection(registry.call("pending", {}));

  t.ok(isRexError(error, "PLUGIN_TIMEOUT"), `code PLUGIN_TIMEOUT: ${error}`);
  t.equal(runningWorkerCount(), 0, "the worker was terminated");
});

t.test("call reports thrown error", async (t) => {
  const registry = await registryFor(t);

  const error = await rejection(registry.call("throws", {}));

  t.ok(isRexError(error, "PLUGIN_FAILED"), `code PLUGIN_FAILED: ${error}`);
  t.equal(error.message, 'Plugin "throws" failed: disk quota exceeded', "the plugin's message");
});

t.test("call reports exited worker", async (t) => {
  const registry = await registryFor(t);

  const error = await rejection(registry.call("exits", {}));

  t.ok(isRexError(error, "PLUGIN_FAILED"), `code PLUGIN_FAILED: ${error}`);
  t.match(error.message, "exited with code 3 before returning a result", "says how it ended");
});

t.test("call stops worker over heap limit", async (t) => {
  const registry = await registryFor(t, { maxMemoryMb: 32, timeoutMs: 20_000 });

  const error = await rejection(registry.call("hungry", {}));

  t.ok(isRexError(error, "PLUGIN_FAILED"), `code PLUGIN_FAILED: ${error}`);
  t.match(error.message, 'Plugin "hungry" failed: it ran out of memory and was stopped.', "says why");
  t.equal(runningWorkerCount(), 0, "the worker has ended");
});

t.test("call stops worker on abort", async (t) => {
  const registry = await registryFor(t, { timeoutMs: 60_000 });
  const controller = new AbortController();
  const reason = new RexError("ABORTED", "turn cancelled");

  const pending = rejection(registry.call("pending", {}, { signal: controller.signal }));
  setTimeout(() => controller.abort(reason), 200);
  const error = await pending;

  t.equal(error, reason, "rejects with the signal's reason");
  t.equal(runningWorkerCount(), 0, "the worker was terminated");
});

t.test("call applies rate limit per plugin", async (t) => {
  let now = 1_000_000;
  const registry = await registryFor(t, { maxCallsPerMinute: 2, now: () => now });

  await registry.call("echo", { text: "one" });
  now += 10_000;
  await registry.call("echo", { text: "two" });
  now += 10_000;
  const limited = await rejection(registry.call("echo", { text: "three" }));
  const other = await registry.call("settings", {});
  now += 40_000;
  const again = await registry.call("echo", { text: "four" });

  t.ok(isRexError(limited, "PLUGIN_RATE_LIMITED"), `code PLUGIN_RATE_LIMITED: ${limited}`);
  t.match(limited.message, 'Plugin "echo" reached its limit of 2 calls per minute', "names plugin and limit");
  t.match(limited.message, "Try again in 40 s", "says when to retry");
  t.equal(other, '{"settings":{}}', "another plugin is not limited");
  t.equal(again, "echo: four", "allowed once the first call is a minute old");
});

t.test("call does not count rejected calls", async (t) => {
  let now = 0;
  const registry = await registryFor(t, { maxCallsPerMinute: 1, now: () => now });

  await rejection(registry.call("echo", {}));
  const output = await registry.call("echo", { text: "valid" });

  t.equal(output, "echo: valid", "invalid arguments used no call");
});

t.test("registry rejects bad options", async (t) => {
  await t.rejects(loadPlugins([], { timeoutMs: 0 }), RangeError, "zero timeout");
  await t.rejects(loadPlugins([], { maxCallsPerMinute: 1.5 }), RangeError, "fractional rate");
});
