import t from "tap";

import { OfflineResponder } from "../src/llm/offline-responder.js";
import type { ChatMessage } from "../src/llm/types.js";

// Friday, December 4, 2026, 3:42 PM in UTC.
const FIXED_NOW = new Date("2026-12-04T15:42:00Z");

const responder = new OfflineResponder({ now: () => FIXED_NOW, locale: "en-US", timeZone: "UTC" });

function ask(text: string): Promise<string> {
  return responder.reply([{ role: "user", content: text }]);
}

t.test("OfflineResponder time requests", async (t) => {
  const requests = [
    "what time is it",
    " What time is it?",
    "What's the time.",
    "Tell me the time!",
    "hey, what time is it",
    "WHAT TIME IS IT",
  ];
  for (const request of requests) {
    t.equal(await ask(request), "It is 3:42 PM.", JSON.stringify(request));
  }
});

t.test("OfflineResponder date requests", async (t) => {
  const requests = [" What's the date?", "What day is it?", "today's date", "What is today’s date?"];
  for (const request of requests) {
    t.equal(await ask(request), "Today is Friday, December 4, 2026.", JSON.stringify(request));
  }
});

t.test("OfflineResponder other locale", async (t) => {
  const german = new OfflineResponder({ now: () => FIXED_NOW, locale: "de-DE", timeZone: "UTC" });

  const text = await german.reply([{ role: "user", content: "What time is it?" }]);

  t.equal(text, "It is 15:42.");
});

t.test("OfflineResponder echo requests", async (t) => {
  const cases: Array<[string, string]> = [
    ["say hello world", "hello world"],
    [" Say hello world.", "hello world"],
    ["Repeat after me: The quick brown fox.", "The quick brown fox"],
    ['Echo "testing one two"', "testing one two"],
    ["Please say Good Night!", "Good Night!"],
  ];
  for (const [request, expected] of cases) {
    t.equal(await ask(request), expected, JSON.stringify(request));
  }
});

t.test("OfflineResponder echo without words", async (t) => {
  const text = await ask("Say.");

  t.match(text, /can't answer that offline/);
});

t.test("OfflineResponder greeting", async (t) => {
  const text = await ask(" Hello.");

  t.match(text, /^Hello!/);
  t.match(text, /the time or the date/);
});

t.test("OfflineResponder help", async (t) => {
  const text = await ask("What can you do?");

  t.match(text, /offline/);
  t.match(text, /the time or the date/);
  t.match(text, /OPENAI_BASE_URL/);
  t.match(text, /REX_LLM_MODEL/);
});

t.test("OfflineResponder fallback", async (t) => {
  const text = await ask("Who wrote Hamlet?");

  t.match(text, /can't answer that offline/);
  t.match(text, /the time or the date/);
  t.match(text, /OPENAI_BASE_URL/);
});

t.test("OfflineResponder uses last user message", async (t) => {
  const messages: ChatMessage[] = [
    { role: "system", content: "You are rex." },
    { role: "user", content: "say first" },
    { role: "assistant", content: "first" },
    { role: "user", content: "What day is it?" },
    { role: "assistant", content: "ignored" },
  ];

  t.equal(await responder.reply(messages), "Today is Friday, December 4, 2026.");
});

t.test("OfflineResponder no user message", async (t) => {
  const text = await responder.reply([{ role: "system", content: "You are rex." }]);

  t.match(text, /can't answer that offline/);
});

t.test("OfflineResponder onDelta", async (t) => {
  const deltas: string[] = [];

  const text = await responder.reply([{ role: "user", content: "say hi" }], { onDelta: (delta) => deltas.push(delta) });

  t.equal(text, "hi");
  t.same(deltas, ["hi"]);
});

t.test("OfflineResponder aborted signal", async (t) => {
  const reason = new Error("stopped");
  const signal = AbortSignal.abort(reason);

  await t.rejects(responder.reply([{ role: "user", content: "say hi" }], { signal }), reason);
});
