/** The plugin host: loading, limits, the tools interface and offline intents. */
export type { JsonObjectSchema, JsonSchema, Plugin, PluginContext, PluginInfo } from "./types.js";
export { loadPlugins } from "./load.js";
export {
  PluginRegistry,
  DEFAULT_MAX_CALLS_PER_MINUTE,
  DEFAULT_MAX_OUTPUT_CHARS,
  DEFAULT_PLUGIN_MEMORY_MB,
  DEFAULT_PLUGIN_TIMEOUT_MS,
  type PluginCallOptions,
  type PluginHostOptions,
} from "./registry.js";
export { toolDefinitions, runToolCalls, type ToolMessage } from "./tool-calls.js";
export { matchIntent, type IntentMatch } from "./intents.js";
export { sanitizeOutput, FILTERED_MARKER } from "./sanitize.js";
export { checkSchema, validateArguments } from "./json-schema.js";
export { bundledPluginsDir } from "./bundled.js";
export { pluginSettingsSchema, pluginLoadArguments, type PluginSettings } from "./settings.js";
