import { homedir } from "node:os";
import { delimiter, join, resolve } from "node:path";

import { z } from "zod";

import { RexError } from "../errors.js";
import { modelsDir } from "../models/store.js";
import { configFilePath, readConfigFile, readDotEnv } from "./files.js";
import { settingsSchema, type Settings, type SettingsInput } from "./schema.js";

type Converter = (value: string) => unknown;

const asNumber: Converter = (value) => (value.trim() === "" ? value : Number(value));
const asBoolean: Converter = (value) => {
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  return value;
};
const asString: Converter = (value) => value;
const asCommaList: Converter = (value) => value.split(",").map((item) => item.trim()).filter(Boolean);
const asPathList: Converter = (value) => value.split(delimiter).filter(Boolean);

/** Settings whose values are never shown in messages or `rex config show`. */
export const SECRET_SETTINGS = ["llm.apiKey", "tts.apiKey", "plugins.webSearch.braveApiKey", "plugins.webSearch.serpapiApiKey"];

/** Default folder for memory and transcripts: XDG_DATA_HOME or ~/.local/share, then rex. */
function dataDir(env: NodeJS.ProcessEnv): string {
  const dataHome = env.XDG_DATA_HOME ? env.XDG_DATA_HOME : join(env.HOME ?? homedir(), ".local", "share");
  return resolve(dataHome, "rex");
}

/** Environment variables and the setting each one sets, as a dotted path. */
export const ENVIRONMENT_SETTINGS: ReadonlyArray<[variable: string, path: string, convert: Converter]> = [
  ["REX_MODEL", "model", asString],
  ["REX_MODELS_DIR", "modelsDir", asString],
  ["REX_VAD_MODEL", "vadModel", asString],
  ["REX_THREADS", "threads", asNumber],
  ["REX_LANGUAGE", "language", asString],
  ["REX_USE_GPU", "useGpu", asBoolean],
  ["REX_FLASH_ATTENTION", "flashAttention", asBoolean],
  ["REX_FIT_AUDIO_CONTEXT", "fitAudioContext", asBoolean],
  ["REX_INPUT_DEVICE", "inputDevice", asString],
  ["REX_OUTPUT_DEVICE", "outputDevice", asString],
  ["REX_VAD_THRESHOLD", "vadThreshold", asNumber],
  ["REX_END_OF_SPEECH_MS", "endOfSpeechMs", asNumber],
  ["REX_PRE_ROLL_MS", "preRollMs", asNumber],
  ["REX_MAX_UTTERANCE_SECONDS", "maxUtteranceSeconds", asNumber],
  ["REX_LISTEN_TIMEOUT_SECONDS", "listenTimeoutSeconds", asNumber],
  ["REX_ACK_TONE", "acknowledgementTone", asBoolean],
  ["REX_WAKE_WORD", "wakeWord", asString],
  ["REX_WAKE_THRESHOLD", "wakeThreshold", asNumber],
  ["REX_WAKE_VERIFIERS", "wakeVerifiers", asPathList],
  ["REX_BARGE_IN", "bargeIn", asBoolean],
  ["REX_HISTORY_TURNS", "historyTurns", asNumber],
  ["REX_HISTORY_TOKENS", "historyTokens", asNumber],
  ["OPENAI_BASE_URL", "llm.baseUrl", asString],
  ["OPENAI_API_KEY", "llm.apiKey", asString],
  ["REX_LLM_MODEL", "llm.model", asString],
  ["REX_LLM_TIMEOUT_MS", "llm.timeoutMs", asNumber],
  ["REX_TTS_PROVIDER", "tts.provider", asString],
  ["REX_TTS_BASE_URL", "tts.baseUrl", asString],
  ["REX_TTS_API_KEY", "tts.apiKey", asString],
  ["REX_TTS_MODEL", "tts.model", asString],
  ["REX_TTS_OPENAI_VOICE", "tts.openaiVoice", asString],
  ["REX_PIPER_BINARY", "tts.piperBinary", asString],
  ["REX_PIPER_MODEL", "tts.piperModel", asString],
  ["REX_PIPER_SAMPLE_RATE", "tts.piperSampleRate", asNumber],
  ["REX_TTS_VOICE", "tts.voice", asString],
  ["REX_TTS_RATE", "tts.rate", asNumber],
  ["REX_ACTIVE_USER", "activeUser", asString],
  ["REX_DATA_DIR", "dataDir", asString],
  ["REX_PLUGINS", "plugins.enabled", asBoolean],
  ["REX_PLUGIN_DIRS", "plugins.dirs", asPathList],
  ["REX_PLUGIN_TIMEOUT_MS", "plugins.timeoutMs", asNumber],
  ["REX_PLUGIN_RATE_LIMIT", "plugins.maxCallsPerMinute", asNumber],
  ["REX_PLUGIN_MAX_OUTPUT_CHARS", "plugins.maxOutputChars", asNumber],
  ["REX_SEARCH_PROVIDERS", "plugins.webSearch.providers", asCommaList],
  ["BRAVE_API_KEY", "plugins.webSearch.braveApiKey", asString],
  ["SERPAPI_API_KEY", "plugins.webSearch.serpapiApiKey", asString],
  ["REX_LOG_LEVEL", "logLevel", asString],
  ["REX_LOG_FILE", "logFile", asString],
];

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(".");
  let node = target;
  for (const key of keys.slice(0, -1)) {
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = value;
}

function fromEnvironment(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [variable, path, convert] of ENVIRONMENT_SETTINGS) {
    const value = env[variable];
    if (value !== undefined && value !== "") setPath(input, path, convert(value));
  }
  return input;
}

function mergeInto(base: Record<string, unknown>, overrides: Record<string, unknown>): Record<string, unknown> {
  const merged = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    const existing = merged[key];
    const bothObjects = typeof value === "object" && value !== null && typeof existing === "object" && existing !== null;
    merged[key] = bothObjects ? mergeInto(existing as Record<string, unknown>, value as Record<string, unknown>) : value;
  }
  return merged;
}

function describeIssue(issue: z.core.$ZodIssue, input: Record<string, unknown>, env: NodeJS.ProcessEnv): string {
  const path = issue.path.join(".");
  const variable = ENVIRONMENT_SETTINGS.find(([, settingPath]) => settingPath === path)?.[0];
  let value: unknown = input;
  for (const key of issue.path) value = (value as Record<PropertyKey, unknown> | undefined)?.[key as PropertyKey];
  // Show what the user typed: an environment value that failed conversion is NaN, not "fast".
  if (variable && typeof value === "number" && Number.isNaN(value)) value = env[variable];
  const shown = SECRET_SETTINGS.includes(path) ? "(hidden)" : JSON.stringify(value);
  return `${path}${variable ? ` (${variable})` : ""} = ${shown}: ${issue.message}`;
}

export interface LoadOptions {
  /** Folder where rex.config.json and .env are looked for; default: the process's working folder. */
  cwd?: string;
  /** Config file content to use instead of reading the file, for checking a change before writing it. */
  configFile?: Record<string, unknown>;
}

/**
 * Builds the settings from defaults, then the config file (rex.config.json or REX_CONFIG), then
 * `.env`, then environment variables, then `overrides` (CLI flags). A variable set in the
 * environment wins over the same one in `.env`. An invalid value throws CONFIG_INVALID naming
 * the setting, where it came from, the value and what is allowed.
 */
export function loadSettings(
  env: NodeJS.ProcessEnv,
  overrides: SettingsInput | Record<string, unknown> = {},
  options: LoadOptions = {},
): Settings {
  const cwd = options.cwd ?? process.cwd();
  const effectiveEnv = { ...readDotEnv(cwd), ...env };
  const filePath = configFilePath(effectiveEnv, cwd);
  const file = options.configFile ?? readConfigFile(filePath);
  rejectUnknownKeys(file, filePath);

  const layers = [{ modelsDir: modelsDir(effectiveEnv), dataDir: dataDir(effectiveEnv) }, file, fromEnvironment(effectiveEnv), overrides as Record<string, unknown>];
  const input = layers.reduce((merged, layer) => mergeInto(merged, layer), {} as Record<string, unknown>);
  const result = settingsSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => describeIssue(issue, input, effectiveEnv));
    throw new RexError("CONFIG_INVALID", `invalid settings (config file ${filePath}):\n  ${problems.join("\n  ")}`);
  }
  return result.data;
}

/** Throws CONFIG_INVALID for a key in the config file that is not a setting, such as a typo. */
function rejectUnknownKeys(
  file: Record<string, unknown>,
  path: string,
  prefix = "",
  shape: Record<string, z.ZodType> = settingsSchema.shape,
): void {
  for (const [key, value] of Object.entries(file)) {
    const field = shape[key];
    if (!field) {
      const known = Object.keys(shape).join(", ");
      throw new RexError("CONFIG_INVALID", `unknown setting '${prefix}${key}' in ${path}: known settings are ${known}`);
    }
    const nested = unwrapObject(field);
    if (nested && typeof value === "object" && value !== null) {
      rejectUnknownKeys(value as Record<string, unknown>, path, `${prefix}${key}.`, nested.shape as Record<string, z.ZodType>);
    }
  }
}

function unwrapObject(field: z.ZodType): z.ZodObject | undefined {
  let current: unknown = field;
  while (current && !(current instanceof z.ZodObject) && typeof (current as { unwrap?: unknown }).unwrap === "function") {
    current = (current as { unwrap(): unknown }).unwrap();
  }
  if (current instanceof z.ZodObject) return current;
  const inner = (current as { def?: { innerType?: unknown } } | undefined)?.def?.innerType;
  return inner instanceof z.ZodObject ? inner : undefined;
}
