import { pathToFileURL } from "node:url";

import { RexError } from "../errors.js";
import { getLogger } from "../log.js";
import { validateArguments } from "./json-schema.js";
import { RateLimiter } from "./rate-limit.js";
import { sanitizeOutput } from "./sanitize.js";
import type { PluginInfo } from "./types.js";
import { runInWorker } from "./worker.js";

const log = getLogger("plugins");

/** Limits and settings for plugin calls. Every field has a default. */
export interface PluginHostOptions {
  /** Maximum time of one call in milliseconds, starting the worker included; default 10000. */
  timeoutMs?: number;
  /** Maximum calls of one plugin in any 60 seconds; default 10. */
  maxCallsPerMinute?: number;
  /** Maximum length of a result after sanitising, in UTF-16 code units; default 2000. */
  maxOutputChars?: number;
  /** Heap limit of each worker thread in MiB; default 256. */
  maxMemoryMb?: number;
  /** Settings for each plugin, keyed by plugin name, passed to its `run` as `context.settings`. */
  settings?: Record<string, Record<string, unknown>>;
  /** Clock for the rate limit in milliseconds; default `Date.now`. */
  now?: () => number;
}

export const DEFAULT_PLUGIN_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_CALLS_PER_MINUTE = 10;
export const DEFAULT_MAX_OUTPUT_CHARS = 2_000;
export const DEFAULT_PLUGIN_MEMORY_MB = 256;

/**
 * Raw output beyond this many UTF-16 code units is cut off inside the worker, before sanitising
 * shortens it further. It bounds the memory and time one reply can cost the host.
 */
const MAX_RAW_OUTPUT_CHARS = 1_000_000;

/** Options for one {@link PluginRegistry.call}. */
export interface PluginCallOptions {
  /** Signal that stops the worker. The promise then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** The loaded plugins and the limits that every call to them goes through. */
export class PluginRegistry {
  readonly plugins: readonly PluginInfo[];
  /** Errors for the plugin files and folders that were skipped while loading. */
  readonly loadErrors: readonly RexError[];
  readonly timeoutMs: number;
  readonly maxOutputChars: number;
  readonly maxMemoryMb: number;
  readonly #byName: Map<string, PluginInfo>;
  readonly #limiter: RateLimiter;
  readonly #settings: Record<string, Record<string, unknown>>;

  constructor(plugins: readonly PluginInfo[], options: PluginHostOptions = {}, loadErrors: readonly RexError[] = []) {
    this.plugins = plugins;
    this.loadErrors = loadErrors;
    this.timeoutMs = positive(options.timeoutMs ?? DEFAULT_PLUGIN_TIMEOUT_MS, "timeoutMs");
    this.maxOutputChars = positive(options.maxOutputChars ?? DEFAULT_MAX_OUTPUT_CHARS, "maxOutputChars");
    this.maxMemoryMb = positive(options.maxMemoryMb ?? DEFAULT_PLUGIN_MEMORY_MB, "maxMemoryMb");
    const maxCalls = positive(options.maxCallsPerMinute ?? DEFAULT_MAX_CALLS_PER_MINUTE, "maxCallsPerMinute");
    this.#limiter = new RateLimiter(maxCalls, 60_000, options.now);
    this.#settings = options.settings ?? {};
    this.#byName = new Map(plugins.map((plugin) => [plugin.name, plugin]));
  }

  get(name: string): PluginInfo | undefined {
    return this.#byName.get(name);
  }

  /**
   * Validates `args` against the plugin's schema, applies the rate limit, runs the plugin in a new
   * worker thread and resolves with its sanitised output. Rejects with a RexError: PLUGIN_NOT_FOUND,
   * PLUGIN_ARGUMENTS_INVALID, PLUGIN_RATE_LIMITED, PLUGIN_TIMEOUT or PLUGIN_FAILED.
   */
  async call(name: string, args: unknown, options: PluginCallOptions = {}): Promise<string> {
    const plugin = this.#byName.get(name);
    if (!plugin) {
      const names = this.plugins.map((each) => each.name).join(", ") || "none";
      throw new RexError("PLUGIN_NOT_FOUND", `No plugin named "${name}" is loaded. Loaded plugins: ${names}.`);
    }
    const problems = validateArguments(plugin.parameters, args);
    if (problems.length > 0) {
      throw new RexError("PLUGIN_ARGUMENTS_INVALID", `Invalid arguments for plugin "${name}": ${problems.join("; ")}.`);
    }
    const waitMs = this.#limiter.take(name);
    if (waitMs > 0) {
      const limit = `${this.#limiter.maxCalls} calls per minute`;
      const message = `Plugin "${name}" reached its limit of ${limit}. Try again in ${Math.ceil(waitMs / 1000)} s.`;
      throw new RexError("PLUGIN_RATE_LIMITED", message);
    }
    return this.#run(plugin, args as Record<string, unknown>, options.signal);
  }

  async #run(plugin: PluginInfo, args: Record<string, unknown>, signal: AbortSignal | undefined): Promise<string> {
    const request = {
      mode: "run",
      moduleUrl: pathToFileURL(plugin.file).href,
      args,
      settings: this.#settings[plugin.name] ?? {},
      maxRawChars: MAX_RAW_OUTPUT_CHARS,
    } as const;
    const label = `Plugin "${plugin.name}"`;
    const reply = await runInWorker(request, label, { timeoutMs: this.timeoutMs, maxMemoryMb: this.maxMemoryMb, signal });
    if (reply.type === "error") throw new RexError("PLUGIN_FAILED", `${label} failed: ${reply.message}`);
    if (reply.type !== "result") throw new RexError("PLUGIN_FAILED", `${label} failed: its worker sent a ${reply.type} reply.`);
    if (reply.truncated) log.warn({ plugin: plugin.name, maxChars: MAX_RAW_OUTPUT_CHARS }, "plugin output cut off");
    return sanitizeOutput(reply.text, this.maxOutputChars);
  }
}

function positive(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`Plugin option ${name} must be a positive integer, got ${value}`);
  }
  return value;
}
