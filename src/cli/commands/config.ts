import type { Command } from "commander";

import { configFilePath, readConfigFile, writeConfigFile } from "../../config/files.js";
import { ENVIRONMENT_SETTINGS, loadSettings, SECRET_SETTINGS } from "../../config/load.js";
import type { Settings } from "../../config/schema.js";
import { RexError } from "../../errors.js";
import { runAction, setUpLogging } from "../run.js";


export function registerConfig(program: Command): void {
  const config = program.command("config").description("show and change settings");
  config.command("show").description("print every setting as JSON, with secrets masked").action(runAction(show));
  config
    .command("get")
    .description("print one setting")
    .argument("<key>", "setting name, such as endOfSpeechMs or llm.model")
    .action(runAction(get));
  config
    .command("set")
    .description("write one setting to the config file (rex.config.json or REX_CONFIG)")
    .argument("<key>", "setting name, such as endOfSpeechMs or llm.model")
    .argument("<value>", "new value")
    .action(runAction(set));
}

function masked(settings: Settings): Record<string, unknown> {
  const copy = structuredClone(settings) as Record<string, unknown>;
  for (const path of SECRET_SETTINGS) {
    const keys = path.split(".");
    const parent = keys.slice(0, -1).reduce((node, key) => node?.[key] as Record<string, unknown>, copy);
    const last = keys[keys.length - 1];
    if (parent && parent[last] !== undefined) parent[last] = "(hidden)";
  }
  return copy;
}

function lookup(settings: Record<string, unknown>, key: string): unknown {
  let node: unknown = settings;
  for (const part of key.split(".")) {
    if (typeof node !== "object" || node === null || !(part in node)) {
      throw new RexError("CONFIG_INVALID", `unknown setting '${key}': run \`rex config show\` to list them`);
    }
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

async function show(): Promise<void> {
  const settings = loadSettings(process.env);
  setUpLogging(settings);
  process.stdout.write(`${JSON.stringify(masked(settings), null, 2)}\n`);
}

async function get(key: string): Promise<void> {
  const settings = loadSettings(process.env);
  setUpLogging(settings);
  const value = lookup(masked(settings), key);
  process.stdout.write(`${typeof value === "string" ? value : JSON.stringify(value, null, 2)}\n`);
}

async function set(key: string, value: string): Promise<void> {
  const entry = ENVIRONMENT_SETTINGS.find(([, path]) => path === key);
  if (!entry) throw new RexError("CONFIG_INVALID", `unknown setting '${key}': run \`rex config show\` to list them`);
  const path = configFilePath(process.env, process.cwd());
  const file = readConfigFile(path);
  const keys = key.split(".");
  let node = file;
  for (const part of keys.slice(0, -1)) {
    node[part] ??= {};
    node = node[part] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = entry[2](value);

  // Check the whole result before writing, so an invalid value never reaches the file. The
  // variable for this key is left out because it would hide the new value.
  const variable = entry[0];
  loadSettings({ ...process.env, [variable]: undefined }, {}, { configFile: file });
  writeConfigFile(path, file);
  process.stderr.write(`rex: wrote ${key} to ${path}\n`);
  if (process.env[variable]) process.stderr.write(`rex: note: ${variable} is set in the environment and overrides it\n`);
}
