/**
 * The public plugin API. A plugin is an ES module whose default export is a {@link Plugin} object.
 * Rex imports it in a worker thread, so the module may use any Node.js API but shares no state
 * with the assistant.
 */

/** The subset of JSON Schema that rex checks: see `json-schema.ts` for the keywords. */
export interface JsonSchema {
  type: "object" | "string" | "number" | "integer" | "boolean";
  description?: string;
  title?: string;
  default?: unknown;
  examples?: unknown[];
  enum?: Array<string | number | boolean>;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
}

/** The schema of a plugin's arguments: always an object at the top level. */
export interface JsonObjectSchema extends JsonSchema {
  type: "object";
}

/** Context passed to a plugin's `run` besides its arguments. */
export interface PluginContext {
  /** This plugin's settings from rex's config, keyed by the plugin's name; an empty object when none are set. */
  settings: Readonly<Record<string, unknown>>;
}

/** The default export of a plugin module. */
export interface Plugin {
  /** Tool name the model calls: 1 to 64 letters, digits, underscores or dashes. */
  name: string;
  /** Description of the plugin's purpose, written for the model, which uses it to choose the tool. */
  description: string;
  /** JSON Schema of the arguments object. */
  parameters: JsonObjectSchema;
  /**
   * Runs the plugin on arguments that already passed the schema. A string result is used as it is,
   * and any other value is converted with JSON.stringify. Throwing an error reports it to the caller.
   */
  run(args: Record<string, unknown>, context: PluginContext): unknown;
}

/** A loaded plugin as the registry stores it: the module's metadata and the file it came from. */
export interface PluginInfo {
  name: string;
  description: string;
  parameters: JsonObjectSchema;
  /** Absolute path of the module that the worker imports. */
  file: string;
}
