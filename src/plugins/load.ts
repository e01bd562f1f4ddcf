import { readdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

import { RexError } from "../errors.js";
import { getLogger } from "../log.js";
import { checkSchema } from "./json-schema.js";
import { PluginRegistry, type PluginHostOptions } from "./registry.js";
import type { JsonObjectSchema, PluginInfo } from "./types.js";
import { runInWorker } from "./worker.js";
import type { DescribedExport } from "./worker-main.js";

const log = getLogger("plugins");

/** Tool names that the Chat Completions API accepts. */
const NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const MODULE_EXTENSIONS = [".js", ".mjs"];

/**
 * Loads the plugins in `dirs`, in order, and returns a registry of those that are valid. A plugin is
 * a `.js` or `.mjs` file directly in a folder, or a subfolder with an `index.js` or `index.mjs`.
 * Names that start with "." or "_" are skipped, so a folder can hold helper modules.
 *
 * Each module is imported in its own worker thread, with the registry's timeout, so a module that
 * hangs or crashes while loading cannot stop rex. An invalid module, a missing folder or a
 * duplicate name is logged, kept in `registry.loadErrors`, and skipped.
 */
export async function loadPlugins(dirs: string[], options: PluginHostOptions = {}): Promise<PluginRegistry> {
  const host = new PluginRegistry([], options);
  const errors: RexError[] = [];
  const files: string[] = [];
  for (const dir of dirs) {
    try {
      files.push(...(await findPluginFiles(resolve(dir))));
    } catch (error) {
      errors.push(folderError(resolve(dir), error));
    }
  }

  const results = await Promise.all(files.map((file) => describePlugin(file, host)));
  const plugins: PluginInfo[] = [];
  for (const result of results) {
    if (result instanceof RexError) {
      errors.push(result);
      continue;
    }
    const existing = plugins.find((plugin) => plugin.name === result.name);
    if (existing) {
      const message = `Plugin ${result.file} was skipped: its name "${result.name}" is already used by ${existing.file}. Rename one of them.`;
      errors.push(new RexError("PLUGIN_INVALID", message));
      continue;
    }
    plugins.push(result);
  }
  for (const error of errors) log.warn({ code: error.code }, error.message);
  log.info({ plugins: plugins.map((plugin) => plugin.name), skipped: errors.length }, "plugins loaded");
  return new PluginRegistry(plugins, options, errors);
}

/** Lists the plugin modules in one folder, sorted by name. */
async function findPluginFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith(".") || entry.name.startsWith("_")) continue;
    const path = join(dir, entry.name);
    if (entry.isFile() && MODULE_EXTENSIONS.some((extension) => entry.name.endsWith(extension))) files.push(path);
    if (entry.isDirectory()) {
      const index = await findIndexModule(path);
      if (index) files.push(index);
    }
  }
  return files;
}

async function findIndexModule(dir: string): Promise<string | undefined> {
  for (const extension of MODULE_EXTENSIONS) {
    const path = join(dir, `index${extension}`);
    const info = await stat(path).catch(() => undefined);
    if (info?.isFile()) return path;
  }
  return undefined;
}

/** Imports one module in a worker and returns its validated metadata, or the error that explains why it is invalid. */
async function describePlugin(file: string, host: PluginRegistry): Promise<PluginInfo | RexError> {
  const request = { mode: "describe", moduleUrl: pathToFileURL(file).href } as const;
  try {
    const reply = await runInWorker(request, `Plugin module ${file}`, {
      timeoutMs: host.timeoutMs,
      maxMemoryMb: host.maxMemoryMb,
    });
    if (reply.type === "error") return invalid(file, [`it could not be imported: ${reply.message}`]);
    if (reply.type !== "described") return invalid(file, [`its worker sent a ${reply.type} reply`]);
    const problems = validateExport(reply.exports);
    if (problems.length > 0) return invalid(file, problems);
    const { name, description, parameters } = reply.exports;
    return { name, description, parameters, file } as PluginInfo;
  } catch (error) {
    if (error instanceof RexError) return new RexError("PLUGIN_INVALID", `${error.message} The plugin was skipped.`, { cause: error });
    throw error;
  }
}

function validateExport(exports: DescribedExport): string[] {
  if (!exports.hasDefault) return ["it has no default export object; write `export default { name, description, parameters, run }`"];
  const problems: string[] = [];
  const name = exports.name;
  if (typeof name !== "string" || !NAME_PATTERN.test(name)) {
    problems.push(`name must be 1 to 64 letters, digits, underscores or dashes, got ${JSON.stringify(name) ?? "undefined"}`);
  }
  if (typeof exports.description !== "string" || exports.description.trim() === "") {
    problems.push("description must be a non-empty string");
  }
  if (exports.parametersError) problems.push(`parameters could not be converted to JSON: ${exports.parametersError}`);
  else if (exports.parameters === undefined) problems.push("parameters is missing; use a JSON Schema of type object");
  else problems.push(...checkParameters(exports.parameters));
  if (exports.runType !== "function") problems.push(`run must be a function, got ${exports.runType}`);
  return problems;
}

function checkParameters(parameters: unknown): string[] {
  const problems = checkSchema(parameters);
  if (problems.length === 0 && (parameters as JsonObjectSchema).type !== "object") {
    problems.push(`parameters.type must be "object", got "${(parameters as JsonObjectSchema).type}"`);
  }
  return problems;
}

function invalid(file: string, problems: string[]): RexError {
  return new RexError("PLUGIN_INVALID", `Invalid plugin ${file}: ${problems.join("; ")}. The plugin was skipped.`);
}

function folderError(dir: string, error: unknown): RexError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") {
    return new RexError("PLUGIN_NOT_FOUND", `Plugin folder ${dir} not found. Check the plugin folders setting (plugins.dirs).`);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new RexError("PLUGIN_INVALID", `Plugin folder ${dir} could not be read: ${message}.`, { cause: error });
}
