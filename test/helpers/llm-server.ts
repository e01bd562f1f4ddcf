/** The loopback OpenAI-compatible mock server, shared with the turn benchmark. */
export * from "../../src/bench/llm-server.js";
