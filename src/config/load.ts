import { z } from "zod";

import { RexError } from "../errors.js";
import { modelsDir } from "../models/store.js";
import { settingsSchema, type Settings, type SettingsInput } from "./schema.js";

type Converter = (value: string) => unknown;

const asNumber: Converter = (value) => (value.trim() === "" ? value : Number(value));
const asBoolean: Converter = (value) => {
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  return value;
};
const asString: Converter = (value) => value;

/** Environment variables and the setting each one sets, as a dotted path. */
export const ENVIRONMENT_SETTINGS: ReadonlyArray<[variable: string, path: string, convert: Converter]> = [
  ["REX_MODEL", "model", asString],
  ["REX_MODELS_DIR", "modelsDir", asString],
  ["REX_VAD_MODEL", "vadModel", asString],
  ["REX_THREADS", "threads", asNumber],
  ["REX_LANGUAGE", "language", asString],
  ["REX_USE_GPU", "useGpu", asBoolean],
  ["REX_FIT_AUDIO_CONTEXT", "fitAudioContext", asBoolean],
  ["REX_INPUT_DEVICE", "inputDevice", asString],
  ["REX_OUTPUT_DEVICE", "outputDevice", asString],
  ["REX_VAD_THRESHOLD", "vadThreshold", asNumber],
  ["REX_END_OF_SPEECH_MS", "endOfSpeechMs", asNumber],
  ["REX_PRE_ROLL_MS", "preRollMs", asNumber],
  ["REX_MAX_UTTERANCE_SECONDS", "maxUtteranceSeconds", asNumber],
  ["REX_LISTEN_TIMEOUT_SECONDS", "listenTimeoutSeconds", asNumber],
  ["REX_ACK_TONE", "acknowledgementTone", asBoolean],
  ["OPENAI_BASE_URL", "llm.baseUrl", asString],
  ["OPENAI_API_KEY", "llm.apiKey", asString],
  ["REX_LLM_MODEL", "llm.model", asString],
  ["REX_LLM_TIMEOUT_MS", "llm.timeoutMs", asNumber],
  ["REX_TTS_VOICE", "tts.voice", asString],
  ["REX_TTS_RATE", "tts.rate", asNumber],
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
  const shown = path === "llm.apiKey" ? "(hidden)" : JSON.stringify(value);
  return `${path}${variable ? ` (${variable})` : ""} = ${shown}: ${issue.message}`;
}

/**
 * Builds the settings from defaults, then environment variables, then `overrides` (CLI flags).
 * An invalid value throws CONFIG_INVALID naming the setting, the value and what is allowed.
 */
export function loadSettings(env: NodeJS.ProcessEnv, overrides: SettingsInput | Record<string, unknown> = {}): Settings {
  const input = mergeInto({ modelsDir: modelsDir(env), ...fromEnvironment(env) }, overrides as Record<string, unknown>);
  const result = settingsSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => describeIssue(issue, input, env));
    throw new RexError("CONFIG_INVALID", `invalid settings:\n  ${problems.join("\n  ")}`);
  }
  return result.data;
}
