/**
 * A validator for the subset of JSON Schema that plugin parameters use: `type` (object, string,
 * number, integer or boolean), `properties`, `required`, `additionalProperties` (true or false),
 * `enum`, `minLength`/`maxLength` and `minimum`/`maximum`. The annotations `description`, `title`,
 * `default` and `examples` are allowed and ignored. Any other keyword makes the schema invalid, so
 * that a plugin never relies on a rule that rex would not enforce.
 */
import type { JsonSchema } from "./types.js";

const TYPES = ["object", "string", "number", "integer", "boolean"] as const;
const ANNOTATIONS = ["description", "title", "default", "examples"];
const KEYWORDS_BY_TYPE: Record<JsonSchema["type"], string[]> = {
  object: ["properties", "required", "additionalProperties"],
  string: ["minLength", "maxLength"],
  number: ["minimum", "maximum"],
  integer: ["minimum", "maximum"],
  boolean: [],
};

/**
 * Checks that `schema` uses only the supported subset and is consistent. Returns one problem per
 * line, each naming its place as a path from `path`, or an empty array when the schema is valid.
 */
export function checkSchema(schema: unknown, path = "parameters"): string[] {
  if (!isPlainObject(schema)) return [`${path} must be an object, got ${describeValue(schema)}`];
  const type = schema.type;
  if (!TYPES.includes(type as JsonSchema["type"])) {
    return [`${path}.type must be one of ${TYPES.join(", ")}, got ${describeValue(type)}`];
  }
  const allowed = new Set(["type", "enum", ...ANNOTATIONS, ...KEYWORDS_BY_TYPE[type as JsonSchema["type"]]]);
  const problems = Object.keys(schema)
    .filter((key) => !allowed.has(key))
    .map((key) => `${path}.${key} is not supported for type "${String(type)}"`);
  if (typeof schema.description !== "undefined" && typeof schema.description !== "string") {
    problems.push(`${path}.description must be a string`);
  }
  if (schema.enum !== undefined) problems.push(...checkEnum(schema.enum, type as JsonSchema["type"], path));
  if (type === "object") problems.push(...checkObjectKeywords(schema, path));
  if (type === "string") problems.push(...checkBounds(schema, "minLength", "maxLength", path, true));
  if (type === "number" || type === "integer") problems.push(...checkBounds(schema, "minimum", "maximum", path, false));
  return problems;
}

function checkObjectKeywords(schema: Record<string, unknown>, path: string): string[] {
  const problems: string[] = [];
  const properties = schema.properties ?? {};
  if (!isPlainObject(properties)) return [`${path}.properties must be an object`];
  for (const [name, child] of Object.entries(properties)) {
    problems.push(...checkSchema(child, `${path}.properties.${name}`));
  }
  const required = schema.required ?? [];
  if (!Array.isArray(required) || !required.every((name) => typeof name === "string")) {
    problems.push(`${path}.required must be an array of property names`);
  } else {
    for (const name of required) {
      if (!Object.hasOwn(properties, name)) problems.push(`${path}.required lists "${name}", which is not in properties`);
    }
  }
  const additional = schema.additionalProperties;
  if (additional !== undefined && typeof additional !== "boolean") {
    problems.push(`${path}.additionalProperties must be true or false, because schemas for it are not supported`);
  }
  return problems;
}

function checkEnum(values: unknown, type: JsonSchema["type"], path: string): string[] {
  if (!Array.isArray(values) || values.length === 0) return [`${path}.enum must be a non-empty array`];
  const wrong = values.filter((value) => validate({ type } as JsonSchema, value, "").length > 0);
  return wrong.length === 0 ? [] : [`${path}.enum contains ${wrong.map(describeValue).join(", ")}, not of type ${type}`];
}

function checkBounds(
  schema: Record<string, unknown>,
  lowKey: string,
  highKey: string,
  path: string,
  lengths: boolean,
): string[] {
  const problems: string[] = [];
  for (const key of [lowKey, highKey]) {
    const value = schema[key];
    if (value === undefined) continue;
    const valid = lengths ? Number.isInteger(value) && (value as number) >= 0 : Number.isFinite(value);
    if (!valid) problems.push(`${path}.${key} must be ${lengths ? "an integer of 0 or more" : "a finite number"}`);
  }
  const low = schema[lowKey];
  const high = schema[highKey];
  if (typeof low === "number" && typeof high === "number" && low > high) {
    problems.push(`${path}.${lowKey} (${low}) is greater than ${highKey} (${high})`);
  }
  return problems;
}

/**
 * Validates `value` against a schema that passed {@link checkSchema}. Returns one problem per
 * line, such as `query: must be a string (got number)`, or an empty array when the value is valid.
 */
export function validateArguments(schema: JsonSchema, value: unknown): string[] {
  return validate(schema, value, "");
}

function validate(schema: JsonSchema, value: unknown, path: string): string[] {
  const where = path === "" ? "arguments" : path;
  const typeProblem = checkType(schema.type, value);
  if (typeProblem) return [`${where}: must be ${typeProblem} (got ${describeValue(value)})`];
  if (schema.enum && !schema.enum.some((option) => option === value)) {
    const options = schema.enum.map((option) => JSON.stringify(option)).join(", ");
    return [`${where}: must be one of ${options} (got ${describeValue(value)})`];
  }
  if (typeof value === "string") return validateString(schema, value, where);
  if (typeof value === "number") return validateNumber(schema, value, where);
  if (schema.type === "object") return validateObject(schema, value as Record<string, unknown>, path);
  return [];
}

function checkType(type: JsonSchema["type"], value: unknown): string | undefined {
  switch (type) {
    case "object":
      return isPlainObject(value) ? undefined : "an object";
    case "string":
      return typeof value === "string" ? undefined : "a string";
    case "number":
      return typeof value === "number" && Number.isFinite(value) ? undefined : "a number";
    case "integer":
      return Number.isInteger(value) ? undefined : "an integer";
    case "boolean":
      return typeof value === "boolean" ? undefined : "true or false";
  }
}

function validateString(schema: JsonSchema, value: string, where: string): string[] {
  // JSON Schema counts string length in code points, so an emoji is one character.
  const length = [...value].length;
  const problems: string[] = [];
  if (schema.minLength !== undefined && length < schema.minLength) {
    problems.push(`${where}: must be at least ${schema.minLength} characters long (got ${length})`);
  }
  if (schema.maxLength !== undefined && length > schema.maxLength) {
    problems.push(`${where}: must be at most ${schema.maxLength} characters long (got ${length})`);
  }
  return problems;
}

function validateNumber(schema: JsonSchema, value: number, where: string): string[] {
  const problems: string[] = [];
  if (schema.minimum !== undefined && value < schema.minimum) {
    problems.push(`${where}: must be at least ${schema.minimum} (got ${value})`);
  }
  if (schema.maximum !== undefined && value > schema.maximum) {
    problems.push(`${where}: must be at most ${schema.maximum} (got ${value})`);
  }
  return problems;
}

function validateObject(schema: JsonSchema, value: Record<string, unknown>, path: string): string[] {
  const problems: string[] = [];
  const properties = schema.properties ?? {};
  const prefix = path === "" ? "" : `${path}.`;
  for (const name of schema.required ?? []) {
    if (!Object.hasOwn(value, name)) problems.push(`${prefix}${name}: missing required property`);
  }
  for (const [name, child] of Object.entries(value)) {
    const childSchema = Object.hasOwn(properties, name) ? properties[name] : undefined;
    if (childSchema) problems.push(...validate(childSchema, child, `${prefix}${name}`));
    else if (schema.additionalProperties === false) problems.push(`${prefix}${name}: unexpected property`);
  }
  return problems;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Describes a value for a message: its JSON for short primitives, otherwise its kind. */
function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return value.length <= 40 ? JSON.stringify(value) : `a string of ${value.length} characters`;
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  return typeof value === "undefined" ? "undefined" : JSON.stringify(value);
}
