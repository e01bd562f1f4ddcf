import t from "tap";

import { checkSchema, validateArguments } from "../src/plugins/json-schema.js";
import type { JsonSchema } from "../src/plugins/types.js";

const SEARCH_SCHEMA: JsonSchema = {
  type: "object",
  properties: {
    query: { type: "string", description: "Search terms", minLength: 1, maxLength: 10 },
    count: { type: "integer", minimum: 1, maximum: 10 },
    weight: { type: "number", minimum: 0, maximum: 1 },
    safe: { type: "boolean" },
    unit: { type: "string", enum: ["celsius", "fahrenheit"] },
    filter: {
      type: "object",
      properties: { site: { type: "string", maxLength: 5 } },
      required: ["site"],
    },
  },
  required: ["query"],
  additionalProperties: false,
};

t.test("checkSchema accepts supported subset", async (t) => {
  t.same(checkSchema(SEARCH_SCHEMA), [], "the full subset is valid");
  t.same(checkSchema({ type: "object" }), [], "an object without properties is valid");
});

t.test("checkSchema rejects unsupported keywords", async (t) => {
  const problems = checkSchema({
    type: "object",
    properties: { query: { type: "string", pattern: "^a" }, any: { oneOf: [] } },
  });
  t.ok(problems.some((problem) => problem.includes("parameters.properties.query.pattern is not supported")), "pattern is named");
  t.ok(problems.some((problem) => problem.includes("parameters.properties.any.type must be one of")), "a missing type is named");
});

t.test("checkSchema rejects keyword of other type", async (t) => {
  const problems = checkSchema({ type: "number", maxLength: 3 });
  t.same(problems, ['parameters.maxLength is not supported for type "number"'], "maxLength is only for strings");
});

t.test("checkSchema rejects array type", async (t) => {
  const problems = checkSchema({ type: "array", items: { type: "string" } });
  t.equal(problems.length, 1, "one problem");
  t.match(problems[0], /parameters\.type must be one of object, string, number, integer, boolean, got "array"/, "type is named");
});

t.test("checkSchema rejects unknown required name", async (t) => {
  const problems = checkSchema({ type: "object", properties: {}, required: ["query"] });
  t.same(problems, ['parameters.required lists "query", which is not in properties'], "the name is quoted");
});

t.test("checkSchema rejects bad bounds", async (t) => {
  t.same(
    checkSchema({ type: "string", minLength: -1 }),
    ["parameters.minLength must be an integer of 0 or more"],
    "negative minLength",
  );
  t.same(
    checkSchema({ type: "integer", minimum: 5, maximum: 1 }),
    ["parameters.minimum (5) is greater than maximum (1)"],
    "minimum above maximum",
  );
  t.same(checkSchema({ type: "number", maximum: "10" }), ["parameters.maximum must be a finite number"], "string bound");
});

t.test("checkSchema rejects enum of wrong type", async (t) => {
  t.same(checkSchema({ type: "string", enum: ["a", 2] }), ["parameters.enum contains 2, not of type string"], "number in string enum");
  t.same(checkSchema({ type: "string", enum: [] }), ["parameters.enum must be a non-empty array"], "empty enum");
});

t.test("checkSchema rejects schema additionalProperties", async (t) => {
  const problems = checkSchema({ type: "object", additionalProperties: { type: "string" } });
  t.equal(problems.length, 1, "one problem");
  t.match(problems[0], /additionalProperties must be true or false/, "the keyword is named");
});

t.test("checkSchema rejects non-object schema", async (t) => {
  t.same(checkSchema(null), ["parameters must be an object, got null"], "null");
  t.same(checkSchema([]), ["parameters must be an object, got an array"], "array");
});

t.test("validateArguments accepts valid arguments", async (t) => {
  const args = { query: "cats", count: 3, weight: 0.5, safe: true, unit: "celsius", filter: { site: "a.com" } };
  t.same(validateArguments(SEARCH_SCHEMA, args), [], "every property valid");
  t.same(validateArguments(SEARCH_SCHEMA, { query: "c" }), [], "optional properties left out");
});

t.test("validateArguments reports missing required", async (t) => {
  t.same(validateArguments(SEARCH_SCHEMA, {}), ["query: missing required property"], "query is missing");
});

t.test("validateArguments reports wrong types", async (t) => {
  const cases: Array<[object, string]> = [
    [{ query: 5 }, "query: must be a string (got 5)"],
    [{ query: "a", count: 1.5 }, "count: must be an integer (got 1.5)"],
    [{ query: "a", count: "3" }, 'count: must be an integer (got "3")'],
    [{ query: "a", weight: "high" }, 'weight: must be a number (got "high")'],
    [{ query: "a", safe: "yes" }, 'safe: must be true or false (got "yes")'],
    [{ query: "a", filter: [] }, "filter: must be an object (got an array)"],
  ];
  for (const [args, expected] of cases) {
    t.same(validateArguments(SEARCH_SCHEMA, args), [expected], expected);
  }
});

t.test("validateArguments rejects non-object arguments", async (t) => {
  t.same(validateArguments(SEARCH_SCHEMA, null), ["arguments: must be an object (got null)"], "null");
  t.same(validateArguments(SEARCH_SCHEMA, ["cats"]), ["arguments: must be an object (got an array)"], "array");
  t.same(validateArguments(SEARCH_SCHEMA, "cats"), ['arguments: must be an object (got "cats")'], "string");
});

t.test("validateArguments checks enum", async (t) => {
  const problems = validateArguments(SEARCH_SCHEMA, { query: "a", unit: "kelvin" });
  t.same(problems, ['unit: must be one of "celsius", "fahrenheit" (got "kelvin")'], "the options are listed");
});

t.test("validateArguments checks string length", async (t) => {
  t.same(
    validateArguments(SEARCH_SCHEMA, { query: "" }),
    ["query: must be at least 1 characters long (got 0)"],
    "too short",
  );
  t.same(
    validateArguments(SEARCH_SCHEMA, { query: "elevenchars" }),
    ["query: must be at most 10 characters long (got 11)"],
    "too long",
  );
  t.same(validateArguments(SEARCH_SCHEMA, { query: "🐈🐈🐈🐈🐈🐈🐈🐈🐈🐈" }), [], "ten emoji count as ten characters");
});

t.test("validateArguments checks number range", async (t) => {
  t.same(validateArguments(SEARCH_SCHEMA, { query: "a", count: 0 }), ["count: must be at least 1 (got 0)"], "below minimum");
  t.same(validateArguments(SEARCH_SCHEMA, { query: "a", weight: 1.5 }), ["weight: must be at most 1 (got 1.5)"], "above maximum");
});

t.test("validateArguments rejects extra properties", async (t) => {
  t.same(validateArguments(SEARCH_SCHEMA, { query: "a", page: 2 }), ["page: unexpected property"], "page is unexpected");
  const open: JsonSchema = { type: "object", properties: {} };
  t.same(validateArguments(open, { page: 2 }), [], "allowed without additionalProperties: false");
});

t.test("validateArguments names nested paths", async (t) => {
  t.same(validateArguments(SEARCH_SCHEMA, { query: "a", filter: {} }), ["filter.site: missing required property"], "missing");
  t.same(
    validateArguments(SEARCH_SCHEMA, { query: "a", filter: { site: "example.com" } }),
    ["filter.site: must be at most 5 characters long (got 11)"],
    "too long",
  );
});

t.test("validateArguments lists every problem", async (t) => {
  const problems = validateArguments(SEARCH_SCHEMA, { count: 0, page: 1 });
  t.equal(problems.length, 3, "three problems");
  t.ok(problems.includes("query: missing required property"), "missing query");
  t.ok(problems.includes("count: must be at least 1 (got 0)"), "count too small");
  t.ok(problems.includes("page: unexpected property"), "unexpected page");
});
