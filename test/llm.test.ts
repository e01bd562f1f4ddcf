import t from "tap";

import { RexError, isRexError } from "../src/errors.js";
import { OfflineResponder } from "../src/llm/offline-responder.js";
import { OpenAIResponder } from "../src/llm/openai-responder.js";
import { DEFAULT_LLM_MODEL, createResponder } from "../src/llm/select.js";
import type { ChatMessage } from "../src/llm/types.js";
import { startLlmServer } from "./helpers/llm-server.js";

const MESSAGES: ChatMessage[] = [
  { role: "system", content: "You are a terse assistant." },
  { role: "user", content: "Name three colors." },
];
const API_KEY = "sk-test-secret-0123456789";

function responderFor(baseUrl: string, overrides: { timeoutMs?: number; maxRetries?: number } = {}) {
  return new OpenAIResponder({ baseUrl, apiKey: API_KEY, model: "test-model", maxRetries: 0, ...overrides });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to reject");
}

t.test("OpenAIResponder streamed reply", async (t) => {
  const server = await startLlmServer({ reply: "Red, green and blue." });
  t.teardown(() => server.close());
  const deltas: string[] = [];

  const text = await responderFor(server.baseUrl).reply(MESSAGES, { onDelta: (delta) => deltas.push(delta) });

  t.equal(text, "Red, green and blue.");
  t.ok(deltas.length > 1, `onDelta called ${deltas.length} times`);
  t.equal(deltas.join(""), text);
  t.equal(server.requests.length, 1);
  t.same(server.requests[0].messages, MESSAGES);
  t.equal(server.requests[0].model, "test-model");
  t.equal(server.requests[0].stream, true);
  t.equal(server.requests[0].headers.authorization, `Bearer ${API_KEY}`);
});

t.test("OpenAIResponder reply from function", async (t) => {
  const server = await startLlmServer({ reply: (messages) => `You said: ${messages.at(-1)?.content}` });
  t.teardown(() => server.close());

  const text = await responderFor(server.baseUrl).reply(MESSAGES);

  t.equal(text, "You said: Name three colors.");
});

t.test("OpenAIResponder HTTP 500", async (t) => {
  const server = await startLlmServer({ reply: "unused", status: 500 });
  t.teardown(() => server.close());

  const error = await rejection(responderFor(server.baseUrl).reply(MESSAGES));

  t.ok(isRexError(error, "LLM_FAILED"), String(error));
  const message = (error as RexError).message;
  t.match(message, /HTTP 500/);
  t.match(message, server.baseUrl);
  t.match(message, /"test-model"/);
  t.match(message, /OPENAI_BASE_URL/);
  t.notMatch(message, API_KEY);
});

t.test("OpenAIResponder HTTP 401 advice", async (t) => {
  const server = await startLlmServer({ reply: "unused", status: 401 });
  t.teardown(() => server.close());

  const error = await rejection(responderFor(server.baseUrl).reply(MESSAGES));

  t.ok(isRexError(error, "LLM_FAILED"), String(error));
  t.match((error as RexError).message, /HTTP 401/);
  t.match((error as RexError).message, /OPENAI_API_KEY/);
});

t.test("OpenAIResponder retries HTTP 503", async (t) => {
  const server = await startLlmServer({ reply: "unused", status: 503 });
  t.teardown(() => server.close());

  const error = await rejection(responderFor(server.baseUrl, { maxRetries: 1 }).reply(MESSAGES));

  t.ok(isRexError(error, "LLM_FAILED"), String(error));
  t.equal(server.requests.length, 2);
});

t.test("OpenAIResponder connection refused", async (t) => {
  const server = await startLlmServer({ reply: "unused" });
  await server.close();

  const error = await rejection(responderFor(server.baseUrl).reply(MESSAGES));

  t.ok(isRexError(error, "LLM_FAILED"), String(error));
  const message = (error as RexError).message;
  t.match(message, /ECONNREFUSED/);
  t.match(message, server.baseUrl);
  t.match(message, /server is running/);
  t.notMatch(message, API_KEY);
});

t.test("OpenAIResponder empty reply", async (t) => {
  const server = await startLlmServer({ reply: "" });
  t.teardown(() => server.close());

  const error = await rejection(responderFor(server.baseUrl).reply(MESSAGES));

  t.ok(isRexError(error, "LLM_FAILED"), String(error));
  t.match((error as RexError).message, /empty reply/);
});

t.test("OpenAIResponder timeout before headers", async (t) => {
  const server = await startLlmServer({ reply: "late", delayMs: 2000 });
  t.teardown(() => server.close());

  const error = await rejection(responderFor(server.baseUrl, { timeoutMs: 200 }).reply(MESSAGES));

  t.ok(isRexError(error, "LLM_FAILED"), String(error));
  t.match((error as RexError).message, /timed out after 200 ms/);
});

t.test("OpenAIResponder stalled stream", async (t) => {
  const server = await startLlmServer({ reply: "one two three", chunkDelayMs: 1000 });
  t.teardown(() => server.close());

  const error = await rejection(responderFor(server.baseUrl, { timeoutMs: 200 }).reply(MESSAGES));

  t.ok(isRexError(error, "LLM_FAILED"), String(error));
  t.match((error as RexError).message, /timed out after 200 ms without a streamed chunk/);
});

t.test("OpenAIResponder abort before headers", async (t) => {
  const server = await startLlmServer({ reply: "late", delayMs: 2000 });
  t.teardown(() => server.close());
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);

  const error = await rejection(responderFor(server.baseUrl).reply(MESSAGES, { signal: controller.signal }));

  t.equal((error as Error).name, "AbortError");
  t.notOk(error instanceof RexError);
});

t.test("OpenAIResponder abort mid-stream", async (t) => {
  const server = await startLlmServer({ reply: "one two three four", chunkDelayMs: 50 });
  t.teardown(() => server.close());
  const controller = new AbortController();
  const deltas: string[] = [];
  const onDelta = (delta: string) => {
    deltas.push(delta);
    controller.abort();
  };

  const error = await rejection(responderFor(server.baseUrl).reply(MESSAGES, { signal: controller.signal, onDelta }));

  t.equal((error as Error).name, "AbortError");
  t.same(deltas, ["one "]);
});

t.test("OpenAIResponder aborted signal", async (t) => {
  const reason = new Error("stopped by test");

  const error = await rejection(
    responderFor("http://127.0.0.1:9/v1").reply(MESSAGES, { signal: AbortSignal.abort(reason) }),
  );

  t.equal(error, reason);
});

t.test("OpenAIResponder onDelta error", async (t) => {
  const server = await startLlmServer({ reply: "one two" });
  t.teardown(() => server.close());
  const thrown = new Error("playback failed");

  const error = await rejection(
    responderFor(server.baseUrl).reply(MESSAGES, {
      onDelta: () => {
        throw thrown;
      },
    }),
  );

  t.equal(error, thrown);
});

t.test("OpenAIResponder invalid options", async (t) => {
  const valid = { baseUrl: "http://127.0.0.1/v1", apiKey: "x", model: "m" };
  t.throws(() => new OpenAIResponder({ ...valid, baseUrl: "" }), TypeError);
  t.throws(() => new OpenAIResponder({ ...valid, apiKey: " " }), TypeError);
  t.throws(() => new OpenAIResponder({ ...valid, model: "" }), TypeError);
  t.throws(() => new OpenAIResponder({ ...valid, timeoutMs: 0 }), RangeError);
  t.throws(() => new OpenAIResponder({ ...valid, timeoutMs: Number.POSITIVE_INFINITY }), RangeError);
  t.throws(() => new OpenAIResponder({ ...valid, maxRetries: -1 }), RangeError);
  t.throws(() => new OpenAIResponder({ ...valid, maxRetries: 1.5 }), RangeError);
});

t.test("createResponder selection", async (t) => {
  t.ok(createResponder({}) instanceof OfflineResponder, "no settings");
  t.ok(createResponder({ baseUrl: " ", apiKey: "" }) instanceof OfflineResponder, "blank settings");

  const local = createResponder({ baseUrl: "http://127.0.0.1:8080/v1" });
  t.ok(local instanceof OpenAIResponder, "base URL only");
  t.equal((local as OpenAIResponder).model, DEFAULT_LLM_MODEL);
  t.equal((local as OpenAIResponder).baseUrl, "http://127.0.0.1:8080/v1");

  const hosted = createResponder({ apiKey: "sk-x", model: "gpt-4.1", timeoutMs: 5000 });
  t.ok(hosted instanceof OpenAIResponder, "API key only");
  t.equal((hosted as OpenAIResponder).model, "gpt-4.1");
  t.equal((hosted as OpenAIResponder).baseUrl, "https://api.openai.com/v1");
  t.equal((hosted as OpenAIResponder).timeoutMs, 5000);
});

t.test("createResponder default key", async (t) => {
  const server = await startLlmServer({ reply: "ok" });
  t.teardown(() => server.close());

  await createResponder({ baseUrl: server.baseUrl }).reply(MESSAGES);

  t.equal(server.requests[0].headers.authorization, "Bearer not-needed");
  t.equal(server.requests[0].model, DEFAULT_LLM_MODEL);
});
