/**
 * A loopback mock of an OpenAI-compatible server for tests and the turn benchmark. It serves
 * POST /v1/chat/completions, as Server-Sent Events when the request sets `stream: true` and as one
 * JSON body otherwise, and GET /v1/models.
 * A reply function can also return tool calls instead of text, as a model does when it uses tools.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import type { ChatMessage } from "../llm/types.js";

/** A message as a tool-using client sends it: chat messages plus assistant tool calls and tool results. */
export type MockMessage =
  | ChatMessage
  | { role: "assistant"; content: string | null; tool_calls?: MockToolCall[] }
  | { role: "tool"; content: string; tool_call_id: string };

/** One tool call in Chat Completions format. */
export interface MockToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/** A reply that calls tools in place of text. `arguments` is sent as JSON text, and `id` defaults to "call_<n>". */
export interface MockToolCallReply {
  toolCalls: Array<{ id?: string; name: string; arguments: unknown }>;
}

export interface LlmServerOptions {
  /** Reply text, or a function that builds the text or tool calls from the request's messages. */
  reply: string | ((messages: MockMessage[]) => string | MockToolCallReply);
  /** Wait in milliseconds before the response headers; default 0. */
  delayMs?: number;
  /** Wait in milliseconds before each streamed chunk after the first; default 0. */
  chunkDelayMs?: number;
  /** HTTP status of 400 or more, sent with an OpenAI-style error body in response to chat requests. */
  status?: number;
}

/** The parsed body and headers of one chat completion request. */
export interface RecordedRequest {
  messages: MockMessage[];
  /** The request's `tools` field, or undefined when it had none. */
  tools?: unknown[];
  model: string;
  stream: boolean;
  headers: IncomingHttpHeaders;
}

export interface LlmServer {
  /** API root including "/v1", such as "http://127.0.0.1:40123/v1". */
  baseUrl: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export const MOCK_MODEL = "mock-model";

/** Starts the mock server on 127.0.0.1 with a port chosen by the system. */
export async function startLlmServer(options: LlmServerOptions): Promise<LlmServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((request, response) => {
    handleRequest(request, response, options, requests).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, errorBody(`mock server failed: ${String(error)}`));
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });
  return { baseUrl: `http://127.0.0.1:${port}/v1`, requests, close };
}

async function handleRequest(
  request: IncomingMessage,
  response: ServerResponse,
  options: LlmServerOptions,
  requests: RecordedRequest[],
): Promise<void> {
  const path = new URL(request.url ?? "/", "http://127.0.0.1").pathname;
  if (request.method === "GET" && path === "/v1/models") {
    const model = { id: MOCK_MODEL, object: "model", created: 0, owned_by: "rex" };
    return sendJson(response, 200, { object: "list", data: [model] });
  }
  if (request.method !== "POST" || path !== "/v1/chat/completions") {
    return sendJson(response, 404, errorBody(`no route for ${request.method} ${path}`, "not_found"));
  }

  let body: { messages?: MockMessage[]; model?: string; stream?: boolean; tools?: unknown[] };
  try {
    body = JSON.parse(await readBody(request)) as typeof body;
  } catch {
    return sendJson(response, 400, errorBody("request body is not valid JSON"));
  }
  const messages = body.messages ?? [];
  const recorded = { messages, tools: body.tools, model: body.model ?? "", stream: body.stream === true, headers: request.headers };
  requests.push(recorded);

  if (!(await wait(options.delayMs, response))) return;
  if (options.status !== undefined && options.status >= 400) {
    return sendJson(response, options.status, errorBody(`mock failure with status ${options.status}`, "server_error"));
  }
  const reply = typeof options.reply === "function" ? options.reply(messages) : options.reply;
  const model = body.model ?? MOCK_MODEL;
  if (typeof reply !== "string") {
    const toolCalls = toToolCalls(reply);
    if (body.stream === true) return streamToolCalls(response, toolCalls, model);
    return sendJson(response, 200, completionBody(null, model, toolCalls));
  }
  if (body.stream === true) return streamReply(response, reply, model, options.chunkDelayMs);
  sendJson(response, 200, completionBody(reply, model));
}

function toToolCalls(reply: MockToolCallReply): MockToolCall[] {
  return reply.toolCalls.map((call, i) => ({
    id: call.id ?? `call_${i + 1}`,
    type: "function",
    function: { name: call.name, arguments: typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments) },
  }));
}

/**
 * Streams tool calls as OpenAI does: a first chunk per call with its id and name, then its arguments
 * in two pieces, then a final chunk with finish_reason "tool_calls".
 */
function streamToolCalls(response: ServerResponse, toolCalls: MockToolCall[], model: string): void {
  const write = startEventStream(response, model);
  write({ role: "assistant", content: null });
  toolCalls.forEach((call, index) => {
    const half = Math.ceil(call.function.arguments.length / 2);
    write({ tool_calls: [{ index, id: call.id, type: "function", function: { name: call.function.name, arguments: "" } }] });
    write({ tool_calls: [{ index, function: { arguments: call.function.arguments.slice(0, half) } }] });
    write({ tool_calls: [{ index, function: { arguments: call.function.arguments.slice(half) } }] });
  });
  write({}, "tool_calls");
  response.end("data: [DONE]\n\n");
}

/** Writes the reply as SSE chunks: the role, one chunk per word, a final chunk with finish_reason, then [DONE]. */
async function streamReply(
  response: ServerResponse,
  text: string,
  model: string,
  chunkDelayMs: number | undefined,
): Promise<void> {
  const write = startEventStream(response, model);
  const pieces = text.match(/\S+\s*|\s+/g) ?? [];
  write({ role: "assistant", content: "" });
  for (const piece of pieces) {
    if (!(await wait(chunkDelayMs, response))) return;
    write({ content: piece });
  }
  write({}, "stop");
  response.end("data: [DONE]\n\n");
}

/** Sends the event-stream headers and returns a function that writes one completion chunk. */
function startEventStream(response: ServerResponse, model: string): (delta: object, finishReason?: string) => void {
  response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const id = `chatcmpl-mock-${Date.now()}`;
  return (delta, finishReason) => {
    const chunk = {
      id,
      object: "chat.completion.chunk",
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [{ index: 0, delta, finish_reason: finishReason ?? null }],
    };
    response.write(`data: ${JSON.stringify(chunk)}\n\n`);
  };
}

function completionBody(text: string | null, model: string, toolCalls?: MockToolCall[]): object {
  const message = toolCalls ? { role: "assistant", content: text, tool_calls: toolCalls } : { role: "assistant", content: text };
  return {
    id: `chatcmpl-mock-${Date.now()}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message, finish_reason: toolCalls ? "tool_calls" : "stop" }],
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
  };
}

function errorBody(message: string, type = "invalid_request_error"): object {
  return { error: { message, type, param: null, code: null } };
}

function sendJson(response: ServerResponse, status: number, body: object): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Waits `ms` milliseconds; resolves false early if the client closed the connection. */
function wait(ms: number | undefined, response: ServerResponse): Promise<boolean> {
  if (!ms) return Promise.resolve(!response.destroyed);
  return new Promise((resolve) => {
    const onClose = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      response.off("close", onClose);
      resolve(!response.destroyed);
    }, ms);
    response.once("close", onClose);
  });
}
