import type { PluginRegistry } from "../plugins/registry.js";
import { OfflineResponder } from "./offline-responder.js";
import { OpenAIResponder } from "./openai-responder.js";
import type { Responder } from "./types.js";

/** LLM settings as parsed from config; every field is optional. */
export interface ResponderSettings {
  baseUrl?: string;
  apiKey?: string;
  /** Default "gpt-4o-mini". */
  model?: string;
  timeoutMs?: number;
  /** Plugins for tool calls (OpenAI-compatible servers) or intent rules (offline). */
  plugins?: PluginRegistry;
}

/** The model used when a server is configured without one. */
export const DEFAULT_LLM_MODEL = "gpt-4o-mini";

const OPENAI_API_URL = "https://api.openai.com/v1";

/**
 * Creates an {@link OpenAIResponder} when a base URL or an API key is set, and an {@link OfflineResponder} otherwise.
 * With an API key but no base URL, it sends requests to the OpenAI API at https://api.openai.com/v1.
 */
export function createResponder(settings: ResponderSettings = {}): Responder {
  const baseUrl = nonEmpty(settings.baseUrl);
  const apiKey = nonEmpty(settings.apiKey);
  if (baseUrl === undefined && apiKey === undefined) return new OfflineResponder({ plugins: settings.plugins });
  return new OpenAIResponder({
    baseUrl: baseUrl ?? OPENAI_API_URL,
    // Local servers such as llama.cpp and Ollama ignore the key, but the client requires one.
    apiKey: apiKey ?? "not-needed",
    model: nonEmpty(settings.model) ?? DEFAULT_LLM_MODEL,
    timeoutMs: settings.timeoutMs,
    plugins: settings.plugins,
  });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}
