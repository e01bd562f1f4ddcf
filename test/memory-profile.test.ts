import { existsSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";

import t from "tap";

import { RexError, isRexError } from "../src/errors.js";
import { openMemory } from "../src/memory/memory.js";
import { validateUserName } from "../src/memory/user-name.js";

const ALICE = {
  version: 1,
  name: "Alice",
  aliases: ["Ally", "Al"],
  preferences: { units: "metric", newsTopic: "science", verbose: false },
  voice: { voice: "en-gb", rate: 160 },
};

function profileFolder(profile: object) {
  return { "core.json": JSON.stringify(profile, null, 2) };
}

async function rejection(promise: Promise<unknown>): Promise<RexError> {
  try {
    await promise;
  } catch (error) {
    return error as RexError;
  }
  throw new Error("expected the promise to reject");
}

const FIXED_NOW = () => new Date("2025-06-01T08:30:00Z");

t.test("openMemory creates new profile", async (t) => {
  const root = t.testdir({});

  const memory = await openMemory({ root, user: "bob" });

  t.equal(memory.user, "bob", "the user");
  t.equal(memory.dir, join(root, "Memory", "bob"), "the profile folder");
  t.same(memory.profile, { version: 1, name: "bob", aliases: [], preferences: {} }, "a default profile");
  const written = JSON.parse(readFileSync(join(root, "Memory", "bob", "core.json"), "utf8"));
  t.same(written, memory.profile, "core.json written");
});

t.test("openMemory reads existing profile", async (t) => {
  const root = t.testdir({ Memory: { alice: profileFolder(ALICE) } });

  const memory = await openMemory({ root, user: "alice" });

  t.same(memory.profile, ALICE, "every field");
});

t.test("openMemory resolves aliases", async (t) => {
  const root = t.testdir({ Memory: { alice: profileFolder(ALICE), bob: profileFolder({ name: "Bob" }) } });

  const byAlias = await openMemory({ root, user: "ally" });
  const byFolderCase = await openMemory({ root, user: "ALICE" });

  t.equal(byAlias.user, "alice", "the alias maps to the profile that lists it");
  t.equal(byAlias.profile.name, "Alice", "with that profile");
  t.equal(byFolderCase.user, "alice", "the folder name matches without regard to case");
  t.notOk(existsSync(join(root, "Memory", "ally")), "no profile created for the alias");
});

t.test("openMemory rejects ambiguous alias", async (t) => {
  const root = t.testdir({
    Memory: { alice: profileFolder(ALICE), alfred: profileFolder({ name: "Alfred", aliases: ["al"] }) },
  });

  const error = await rejection(openMemory({ root, user: "Al" }));

  t.ok(isRexError(error, "MEMORY_INVALID"), `code MEMORY_INVALID: ${error}`);
  t.match(error.message, join(root, "Memory", "alice"), "names the first profile");
  t.match(error.message, join(root, "Memory", "alfred"), "names the second profile");
});

t.test("openMemory rejects broken JSON", async (t) => {
  const broken = '{ "name": "Alice", ';
  const root = t.testdir({ Memory: { alice: { "core.json": broken } } });
  const file = join(root, "Memory", "alice", "core.json");

  const error = await rejection(openMemory({ root, user: "alice" }));

  t.ok(isRexError(error, "MEMORY_INVALID"), `code MEMORY_INVALID: ${error}`);
  t.match(error.message, `Memory file ${file} is not valid JSON`, "names the file");
  t.match(error.message, "rex never overwrites an invalid memory file", "says the file is kept");
  t.equal(readFileSync(file, "utf8"), broken, "the file is unchanged");
});

t.test("openMemory names invalid field", async (t) => {
  const cases: Array<[object, string]> = [
    [{ ...ALICE, voice: { rate: 900 } }, 'field "voice.rate" must be at most 500 (got 900)'],
    [{ ...ALICE, name: 42 }, 'field "name" must be a string (got 42)'],
    [{ ...ALICE, aliases: ["Ally", ""] }, 'field "aliases.1" must be at least 1 characters long (got "")'],
    [{ ...ALICE, preferences: { units: ["metric"] } }, 'field "preferences.units" must be a string, a number, true or false'],
    [{ ...ALICE, voice: { voice: "en us" } }, 'field "voice.voice" must be an espeak-ng voice name such as en-us (got "en us")'],
    [{ aliases: [] }, 'field "name" must be a string (missing)'],
    [{ ...ALICE, colour: "blue" }, 'unknown field "colour"'],
    [{ ...ALICE, voice: { pitch: 3 } }, 'unknown field "voice.pitch"'],
    [{ ...ALICE, version: 2 }, 'field "version" is 2, but this rex reads version 1 only'],
  ];
  for (const [profile, expected] of cases) {
    const text = JSON.stringify(profile);
    const root = t.testdir({ Memory: { alice: { "core.json": text } } });
    const file = join(root, "Memory", "alice", "core.json");

    const error = await rejection(openMemory({ root, user: "alice" }));

    t.ok(isRexError(error, "MEMORY_INVALID"), `code MEMORY_INVALID for ${expected}`);
    t.match(error.message, `Memory file ${file} is invalid: ${expected}`, expected);
    t.equal(readFileSync(file, "utf8"), text, `file unchanged for ${expected}`);
  }
});

t.test("alias search stops at broken profile", async (t) => {
  const root = t.testdir({ Memory: { alice: profileFolder(ALICE), zed: { "core.json": "not json" } } });

  const error = await rejection(openMemory({ root, user: "Ally" }));

  t.ok(isRexError(error, "MEMORY_INVALID"), `code MEMORY_INVALID: ${error}`);
  t.match(error.message, join(root, "Memory", "zed", "core.json"), "names the broken file");
});

t.test("openMemory rejects unsafe user names", async (t) => {
  const root = t.testdir({});
  const cases = ["../../etc", "..", "a/b", "a\\b", "", ".hidden", "two words", "x".repeat(65), "tab\tname"];
  for (const user of cases) {
    const error = await rejection(openMemory({ root, user }));
    t.ok(isRexError(error, "MEMORY_USER_INVALID"), `code MEMORY_USER_INVALID for ${JSON.stringify(user)}`);
    t.match(error.message, `Invalid user name ${JSON.stringify(user)}`, `names ${JSON.stringify(user)}`);
  }
  t.notOk(existsSync(join(root, "Memory")), "nothing was created");
});

t.test("validateUserName explains problem", async (t) => {
  t.throws(() => validateUserName("../../etc"), /it contains a path separator/, "separator");
  t.throws(() => validateUserName(".."), /it contains "\.\."/, "dots");
  t.throws(() => validateUserName(""), /it is empty/, "empty");
  t.throws(() => validateUserName("a b"), /check REX_ACTIVE_USER/, "names the variable");
});

t.test("validateUserName accepts ordinary names", async (t) => {
  for (const name of ["alice", "Bob", "bob-2", "j.doe", "user_1", "José", "Zoë"]) {
    t.equal(validateUserName(name), name.normalize("NFC"), name);
  }
  t.equal(validateUserName("Jose\u0301"), "José", "returned in NFC form");
});

t.test("updateProfile writes changes", async (t) => {
  const root = t.testdir({ Memory: { alice: profileFolder(ALICE) } });
  const memory = await openMemory({ root, user: "alice", now: FIXED_NOW });

  const updated = await memory.updateProfile({ preferences: { units: "imperial" }, voice: { rate: 200 } });

  t.same(updated.preferences, { units: "imperial" }, "preferences replaced");
  t.same(memory.profile.voice, { rate: 200 }, "voice replaced");
  const written = JSON.parse(readFileSync(join(root, "Memory", "alice", "core.json"), "utf8"));
  t.same(written, updated, "core.json written");
  const history = readFileSync(join(root, "Memory", "alice", "history.log"), "utf8");
  t.equal(history, "2025-06-01T08:30:00.000Z profile updated: preferences, voice\n", "history.log line");
});

t.test("updateProfile rejects invalid change", async (t) => {
  const root = t.testdir({ Memory: { alice: profileFolder(ALICE) } });
  const memory = await openMemory({ root, user: "alice" });
  const before = readFileSync(join(root, "Memory", "alice", "core.json"), "utf8");

  await t.rejects(
    memory.updateProfile({ voice: { rate: 5 } }),
    new RangeError('Invalid profile change for "alice": field "voice.rate" must be at least 80 (got 5)'),
    "rate too low",
  );
  t.equal(readFileSync(join(root, "Memory", "alice", "core.json"), "utf8"), before, "the file is unchanged");
});

t.test("updateProfile keeps file broken since open", async (t) => {
  const root = t.testdir({ Memory: { alice: profileFolder(ALICE) } });
  const memory = await openMemory({ root, user: "alice" });
  const file = join(root, "Memory", "alice", "core.json");
  await writeFile(file, '{ "name": "Alice", "mood": "hand-edited" }');

  const error = await rejection(memory.updateProfile({ name: "Alicia" }));

  t.ok(isRexError(error, "MEMORY_INVALID"), `code MEMORY_INVALID: ${error}`);
  t.match(error.message, 'unknown field "mood"', "names the field");
  t.equal(readFileSync(file, "utf8"), '{ "name": "Alice", "mood": "hand-edited" }', "the file is unchanged");
});

t.test("appendNote adds notes and history", async (t) => {
  const root = t.testdir({ Memory: { alice: profileFolder(ALICE) } });
  const memory = await openMemory({ root, user: "alice", now: FIXED_NOW });

  t.equal(await memory.readNotes(), "", "no notes at first");
  await memory.appendNote("Parks the car\non level 3");
  await memory.appendNote("Allergic to peanuts");

  t.equal(await memory.readNotes(), "- Parks the car on level 3\n- Allergic to peanuts\n", "one list item per note");
  const history = readFileSync(join(root, "Memory", "alice", "history.log"), "utf8").split("\n");
  t.equal(history[0], "2025-06-01T08:30:00.000Z note added: Parks the car on level 3", "first history line");
  t.equal(history[1], "2025-06-01T08:30:00.000Z note added: Allergic to peanuts", "second history line");
  await t.rejects(memory.appendNote("  \n "), RangeError, "an empty note is rejected");
});

t.test("promptContext describes user", async (t) => {
  const root = t.testdir({ Memory: { alice: { ...profileFolder(ALICE), "notes.md": "- Allergic to peanuts\n" } } });
  const memory = await openMemory({ root, user: "alice" });

  const context = await memory.promptContext();

  t.match(context, "The user's name is Alice.", "name");
  t.match(context, "They are also called Ally, Al.", "aliases");
  t.match(context, "Their preferences: units: metric; newsTopic: science; verbose: false.", "preferences");
  t.match(context, "Notes about them:\n- Allergic to peanuts", "notes");
});
