import t from "tap";

import { SentenceSplitter } from "../src/assistant/sentences.js";

function split(chunks: string[]): string[] {
  const sentences: string[] = [];
  const splitter = new SentenceSplitter((sentence) => sentences.push(sentence));
  for (const chunk of chunks) splitter.push(chunk);
  splitter.flush();
  return sentences;
}

t.test("sentences complete across chunks", async (t) => {
  t.same(split(["It is five", " o'clock. The weather", " is sunny today! Any", "thing else?"]), [
    "It is five o'clock.",
    "The weather is sunny today!",
    "Anything else?",
  ]);
});

t.test("first sentence is emitted early", async (t) => {
  const sentences: string[] = [];
  const splitter = new SentenceSplitter((sentence) => sentences.push(sentence));
  splitter.push("The answer is forty two. And");
  t.same(sentences, ["The answer is forty two."], "a finished sentence is out before the stream ends");
});

t.test("numbers and initials do not split", async (t) => {
  t.same(split(["Pi is about 3.14 and e.g. is short for exempli gratia. Done now."]), [
    "Pi is about 3.14 and e.g. is short for exempli gratia.",
    "Done now.",
  ]);
});

t.test("short opener joins the next", async (t) => {
  t.same(split(["Hi. It is noon here."]), ["Hi. It is noon here."]);
});
