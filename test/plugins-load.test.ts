import { join } from "node:path";

import t from "tap";

import { isRexError } from "../src/errors.js";
import { loadPlugins } from "../src/plugins/load.js";
import { ECHO_PLUGIN, THROWING_PLUGIN, pluginSource } from "./helpers/plugin-modules.js";

const OBJECT = { type: "object", properties: {} };

t.test("loadPlugins loads files and folders", async (t) => {
  const dir = t.testdir({
    "echo.js": ECHO_PLUGIN,
    "other.mjs": pluginSource("other", OBJECT, "return 1;"),
    folder: { "index.js": pluginSource("folder", OBJECT, "return 2;"), "helper.js": "export const x = 1;" },
    "_helper.js": "export const unused = 1;",
    ".hidden.js": "syntax error here",
    "notes.txt": "not a module",
  });

  const registry = await loadPlugins([dir]);

  t.same(registry.plugins.map((plugin) => plugin.name), ["echo", "folder", "other"], "sorted by file name");
  t.same(registry.loadErrors, [], "no errors");
  t.equal(registry.get("folder")?.file, join(dir, "folder", "index.js"), "the folder's index module");
  t.equal(registry.get("echo")?.description, "Test plugin echo", "description kept");
  t.same(registry.get("echo")?.parameters.required, ["text"], "parameters kept");
});

t.test("loadPlugins skips invalid modules", async (t) => {
  const dir = t.testdir({
    "good.js": ECHO_PLUGIN,
    "no-name.js": "export default { description: 'd', parameters: { type: 'object' }, run() {} };",
    "bad-name.js": "export default { name: 'has space', description: 'd', parameters: { type: 'object' }, run() {} };",
    "bad-schema.js": "export default { name: 'bad_schema', description: 'd', parameters: { type: 'object', properties: { q: { type: 'text' } } }, run() {} };",
    "string-schema.js": "export default { name: 'string_schema', description: 'd', parameters: { type: 'string' }, run() {} };",
    "no-run.js": "export default { name: 'no_run', description: 'd', parameters: { type: 'object' }, run: 'soon' };",
    "no-default.js": "export const name = 'no_default';",
    "syntax.js": "export default {",
    "throws-on-import.js": "throw new Error('needs a database');",
  });

  const registry = await loadPlugins([dir]);

  t.same(registry.plugins.map((plugin) => plugin.name), ["echo"], "only the valid plugin loads");
  t.equal(registry.loadErrors.length, 8, "one error per invalid module");
  const messageFor = (file: string) => registry.loadErrors.find((error) => error.message.includes(join(dir, file)))?.message ?? "";
  for (const error of registry.loadErrors) t.ok(isRexError(error, "PLUGIN_INVALID"), `${error.message} has code PLUGIN_INVALID`);
  t.match(messageFor("no-name.js"), /name must be 1 to 64 letters, digits, underscores or dashes, got undefined/, "missing name");
  t.match(messageFor("bad-name.js"), /got "has space"/, "bad name");
  t.match(messageFor("bad-schema.js"), /parameters\.properties\.q\.type must be one of/, "bad schema");
  t.match(messageFor("string-schema.js"), /parameters\.type must be "object", got "string"/, "non-object schema");
  t.match(messageFor("no-run.js"), /run must be a function, got string/, "run not a function");
  t.match(messageFor("no-default.js"), /has no default export object/, "no default export");
  t.match(messageFor("syntax.js"), /could not be imported/, "syntax error");
  t.match(messageFor("throws-on-import.js"), /could not be imported: needs a database/, "import throws");
  t.match(messageFor("no-name.js"), /The plugin was skipped\./, "says it was skipped");
});

t.test("loadPlugins lists all problems of module", async (t) => {
  const dir = t.testdir({ "many.js": "export default { name: '', parameters: { type: 'object' } };" });

  const registry = await loadPlugins([dir]);

  const message = registry.loadErrors[0]?.message ?? "";
  t.match(message, /name must be/, "name");
  t.match(message, /description must be a non-empty string/, "description");
  t.match(message, /run must be a function, got undefined/, "run");
});

t.test("loadPlugins skips duplicate names", async (t) => {
  const dir = t.testdir({ first: { "echo.js": ECHO_PLUGIN }, second: { "echo.js": ECHO_PLUGIN } });
  const first = join(dir, "first");
  const second = join(dir, "second");

  const registry = await loadPlugins([first, second]);

  t.equal(registry.plugins.length, 1, "one plugin");
  t.equal(registry.get("echo")?.file, join(first, "echo.js"), "the first folder wins");
  t.equal(registry.loadErrors.length, 1, "one error");
  t.ok(isRexError(registry.loadErrors[0], "PLUGIN_INVALID"), "code PLUGIN_INVALID");
  t.match(registry.loadErrors[0].message, `its name "echo" is already used by ${join(first, "echo.js")}`, "names both files");
});

t.test("loadPlugins reports missing folder", async (t) => {
  const dir = t.testdir({ "echo.js": ECHO_PLUGIN });
  const missing = join(dir, "does-not-exist");

  const registry = await loadPlugins([missing, dir]);

  t.same(registry.plugins.map((plugin) => plugin.name), ["echo"], "the other folder still loads");
  t.equal(registry.loadErrors.length, 1, "one error");
  t.ok(isRexError(registry.loadErrors[0], "PLUGIN_NOT_FOUND"), "code PLUGIN_NOT_FOUND");
  t.match(registry.loadErrors[0].message, `Plugin folder ${missing} not found`, "names the folder");
});

t.test("loadPlugins stops module that hangs", async (t) => {
  const dir = t.testdir({ "hangs.js": "for (;;) {}\nexport default {};", "throws.js": THROWING_PLUGIN });

  const registry = await loadPlugins([dir], { timeoutMs: 1000 });

  t.same(registry.plugins.map((plugin) => plugin.name), ["throws"], "the other plugin loads");
  t.equal(registry.loadErrors.length, 1, "one error");
  t.ok(isRexError(registry.loadErrors[0], "PLUGIN_INVALID"), "code PLUGIN_INVALID");
  t.match(registry.loadErrors[0].message, join(dir, "hangs.js"), "names the file");
  t.match(registry.loadErrors[0].message, /timed out after 1000 ms/, "says it timed out");
});
