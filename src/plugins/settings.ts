import { z } from "zod";

import { bundledPluginsDir } from "./bundled.js";
import {
  DEFAULT_MAX_CALLS_PER_MINUTE,
  DEFAULT_MAX_OUTPUT_CHARS,
  DEFAULT_PLUGIN_TIMEOUT_MS,
  type PluginHostOptions,
} from "./registry.js";

/**
 * Plugin settings, for the `plugins` field of rex's settings schema. The `webSearch` and `time`
 * fields are passed to the bundled plugins of those names.
 */
export const pluginSettingsSchema = z
  .object({
    /** Switch for all plugins; when false the assistant has no tools. */
    enabled: z.boolean().default(true),
    /** Switch for the plugins that ship with rex, which load before those in `dirs`. */
    bundled: z.boolean().default(true),
    /** More plugin folders, loaded in order. A plugin whose name is already loaded is skipped. */
    dirs: z.array(z.string().min(1)).default([]),
    /** Maximum time of one plugin call in milliseconds. */
    timeoutMs: z.number().int().min(100).max(600_000).default(DEFAULT_PLUGIN_TIMEOUT_MS),
    /** Maximum calls of one plugin in any 60 seconds. */
    maxCallsPerMinute: z.number().int().min(1).max(10_000).default(DEFAULT_MAX_CALLS_PER_MINUTE),
    /** Maximum length of one plugin result after sanitising, in characters. */
    maxOutputChars: z.number().int().min(100).max(100_000).default(DEFAULT_MAX_OUTPUT_CHARS),
    webSearch: z
      .object({
        /** Order in which search providers are tried. */
        providers: z.array(z.enum(["brave", "serpapi", "duckduckgo"])).min(1).default(["brave", "serpapi", "duckduckgo"]),
        braveApiKey: z.string().optional(),
        serpapiApiKey: z.string().optional(),
        maxResults: z.number().int().min(1).max(10).default(5),
      })
      .prefault({}),
    time: z
      .object({
        /** BCP 47 locale of time replies, such as "en-GB". */
        locale: z.string().min(2).optional(),
        /** IANA time zone of "what time is it"; default the system's. */
        timeZone: z.string().min(1).optional(),
      })
      .prefault({}),
  })
  .prefault({});

export type PluginSettings = z.infer<typeof pluginSettingsSchema>;

/** Converts parsed plugin settings into the arguments of loadPlugins. `dirs` is empty when plugins are disabled. */
export function pluginLoadArguments(settings: PluginSettings): { dirs: string[]; options: PluginHostOptions } {
  if (!settings.enabled) return { dirs: [], options: {} };
  const dirs = settings.bundled ? [bundledPluginsDir(), ...settings.dirs] : [...settings.dirs];
  const options: PluginHostOptions = {
    timeoutMs: settings.timeoutMs,
    maxCallsPerMinute: settings.maxCallsPerMinute,
    maxOutputChars: settings.maxOutputChars,
    settings: { web_search: withoutUndefined(settings.webSearch), time: withoutUndefined(settings.time) },
  };
  return { dirs, options };
}

/** Drops unset fields, so that the plugin applies its own defaults and no `undefined` crosses to the worker. */
function withoutUndefined(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
}
