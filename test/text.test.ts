import t from "tap";

import { cleanTranscript, dropRepeatedSentences } from "../src/speech/text.js";

t.test("non-speech notes are removed", async (t) => {
  t.equal(cleanTranscript(" [BLANK_AUDIO]"), "", "a blank-audio note alone becomes empty text");
  t.equal(cleanTranscript(" Hello (coughs) there *music*"), "Hello there", "notes inside text are dropped");
});

t.test("repeated sentence is dropped", async (t) => {
  t.equal(dropRepeatedSentences("And so my fellow Americans. And so my fellow Americans."), "And so my fellow Americans.", "an exact repeat goes");
  t.equal(dropRepeatedSentences("Stop. stop!"), "Stop.", "case and punctuation do not matter");
  t.equal(dropRepeatedSentences("Go left. Go right. Go left."), "Go left. Go right. Go left.", "only a sentence repeating the one before it goes");
  t.equal(dropRepeatedSentences("What time is it"), "What time is it", "text without a full stop is kept");
});
