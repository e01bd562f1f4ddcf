import t from "tap";

import { ConversationHistory } from "../src/assistant/history.js";

t.test("history keeps recent turns", async (t) => {
  const history = new ConversationHistory({ maxTurns: 2, maxTokens: 10_000 });
  for (let i = 1; i <= 4; i++) {
    history.add({ role: "user", content: `question ${i}` });
    history.add({ role: "assistant", content: `answer ${i}` });
  }
  t.same(
    history.recent().map((message) => message.content),
    ["question 3", "answer 3", "question 4", "answer 4"],
    "only the last two exchanges are sent",
  );
  t.equal(history.all().length, 8, "all messages are still stored");
});

t.test("token budget trims old turns", async (t) => {
  const history = new ConversationHistory({ maxTurns: 100, maxTokens: 30 });
  history.add({ role: "user", content: "x".repeat(100) });
  history.add({ role: "assistant", content: "y".repeat(40) });
  history.add({ role: "user", content: "what did you say" });
  const recent = history.recent();
  t.equal(recent[0].role, "user", "the kept history starts with a user message");
  t.equal(recent[recent.length - 1].content, "what did you say", "the newest message is kept");
  t.ok(recent.length < 3, "the oldest long message is dropped");
});
