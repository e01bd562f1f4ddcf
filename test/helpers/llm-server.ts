/**
 * A loopback mock of an OpenAI-compatible server for tests. It serves POST /v1/chat/completions, as Server-Sent
 * Events when the request sets `stream: true` and as one JSON body otherwise, and GET /v1/models.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import type { ChatMessage } from "../../src/llm/types.js";

export interface LlmServerOptions {
  /** Reply text, or a function that builds it from the request's messages. */
  reply: string | ((messages: ChatMessage[]) => string);
  /** Wait in milliseconds before the response headers; default 0. */
  delayMs?: number;
  /** Wait in milliseconds before each streamed chunk after the first; default 0. */
  chunkDelayMs?: number;
  /** HTTP status of 400 or more, sent with an OpenAI-style error body in response to chat requests. */
  status?: number;
}

/** The parsed body and headers of one chat completion request. */
export interface RecordedRequest {
  messages: ChatMessage[];
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

  let body: { messages?: ChatMessage[]; model?: string; stream?: boolean };
  try {
    body = JSON.parse(await readBody(request)) as typeof body;
  } catch {
    return sendJson(response, 400, errorBody("request body is not valid JSON"));
  }
  const messages = body.messages ?? [];
  requests.push({ messages, model: body.model ?? "", stream: body.stream === true, headers: request.headers });

  if (!(await wait(options.delayMs, response))) return;
  if (options.status !== undefined && options.status >= 400) {
    return sendJson(response, options.status, errorBody(`mock failure with status ${options.status}`, "server_error"));
  }
  const text = typeof options.reply === "function" ? options.reply(messages) : options.reply;
  if (body.stream === true) return streamReply(response, text, body.model ?? MOCK_MODEL, options.chunkDelayMs);
  sendJson(response, 200, completionBody(text, body.model ?? MOCK_MODEL));
}

/** Writes the reply as SSE chunks: the role, one chunk per word, a final chunk with finish_reason, then [DONE]. */
async function streamReply(
  response: ServerResponse,
  text: string,
  model: string,
  chunkDelayMs: number | undefined,
): Promise<void> {
  response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const id = `chatcmpl-mock-${Date.now()}`;
  const chunk = (delta: object, finishReason: string | null) => ({
    id,
    object: "chat.completion.chunk",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  });
  const pieces = text.match(/\S+\s*|\s+/g) ?? [];
  response.write(`data: ${JSON.stringify(chunk({ role: "assistant", content: "" }, null))}\n\n`);
  for (const piece of pieces) {
    if (!(await wait(chunkDelayMs, response))) return;
    response.write(`data: ${JSON.stringify(chunk({ content: piece }, null))}\n\n`);
  }
  response.write(`data: ${JSON.stringify(chunk({}, "stop"))}\n\n`);
  response.end("data: [DONE]\n\n");
}

function completionBody(text: string, model: string): object {
  return {
    id: `chatcmpl-mock-${Date.now()}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
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
