import { OpenAI, APIConnectionError, APIConnectionTimeoutError, APIError, type ClientOptions } from "openai";
import type {
  ChatCompletionChunk,
  ChatCompletionMessageFunctionToolCall,
  ChatCompletionMessageParam,
} from "openai/resources/chat/completions";
import type { Stream } from "openai/core/streaming";

import { RexError } from "../errors.js";
import { getLogger } from "../log.js";
import type { PluginRegistry } from "../plugins/registry.js";
import { runToolCalls, toolDefinitions } from "../plugins/tool-calls.js";
import type { ChatMessage, ReplyOptions, Responder } from "./types.js";

const log = getLogger("llm");

const DEFAULT_ADVICE = "Check that the server is running and that OPENAI_BASE_URL and REX_LLM_MODEL are correct";

/** Settings for {@link OpenAIResponder}. */
export interface OpenAIResponderOptions {
  /** API root of an OpenAI-compatible server, such as "http://127.0.0.1:11434/v1". */
  baseUrl: string;
  /** Bearer token. Local servers usually accept any value. Rex never logs it and removes it from error messages. */
  apiKey: string;
  model: string;
  /** Maximum wait in milliseconds for the response headers, and then between streamed chunks; default 30000. */
  timeoutMs?: number;
  /** Retries after a connection failure, a timeout, or HTTP 408, 409, 429 or 5xx; default 2. */
  maxRetries?: number;
  /** Plugins the model may call through the tools interface. */
  plugins?: PluginRegistry;
}

/** Rounds of tool calls in one reply before the model must answer in text. */
const MAX_TOOL_ROUNDS = 3;

/** Text and tool calls of one streamed completion. */
interface Completion {
  text: string;
  toolCalls: ChatCompletionMessageFunctionToolCall[];
}

/** Wraps an error thrown by the caller's `onDelta`, so that it is rethrown unchanged instead of as LLM_FAILED. */
class DeltaCallbackError extends Error {}

/** A {@link Responder} that streams chat completions from an OpenAI-compatible server. */
export class OpenAIResponder implements Responder {
  readonly baseUrl: string;
  readonly model: string;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly #apiKey: string;
  readonly #client: OpenAI;
  readonly #plugins: PluginRegistry | undefined;

  constructor(options: OpenAIResponderOptions) {
    this.baseUrl = requireText(options.baseUrl, "baseUrl");
    this.model = requireText(options.model, "model");
    this.#apiKey = requireText(options.apiKey, "apiKey");
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxRetries = options.maxRetries ?? 2;
    validateLimits(this.timeoutMs, this.maxRetries);
    this.#plugins = options.plugins;
    this.#client = new OpenAI({
      baseURL: this.baseUrl,
      apiKey: this.#apiKey,
      // Explicit nulls keep the client from reading OPENAI_ORG_ID and OPENAI_PROJECT_ID from the environment.
      organization: null,
      project: null,
      timeout: this.timeoutMs,
      maxRetries: this.maxRetries,
      logger: openAILogger,
      logLevel: "info",
    });
  }

  /**
   * Streams a reply. When the model requests tools, the plugins run (in worker threads, with
   * their limits) and their output goes back as tool messages, for at most three rounds. Tool
   * messages stay inside this call; the caller's history sees only the final text.
   */
  async reply(messages: ChatMessage[], options: ReplyOptions = {}): Promise<string> {
    const { signal } = options;
    signal?.throwIfAborted();
    const conversation: ChatCompletionMessageParam[] = [...messages];
    for (let round = 0; ; round++) {
      const offerTools = this.#plugins !== undefined && this.#plugins.plugins.length > 0 && round < MAX_TOOL_ROUNDS;
      const completion = await this.#complete(conversation, offerTools, options);
      if (completion.toolCalls.length === 0 || !offerTools) return this.#finalText(completion.text);
      log.info({ tools: completion.toolCalls.map((call) => call.function.name), round }, "model requested tools");
      conversation.push({ role: "assistant", content: completion.text || null, tool_calls: completion.toolCalls });
      conversation.push(...(await runToolCalls(this.#plugins!, completion.toolCalls, { signal })));
    }
  }

  #finalText(text: string): string {
    if (text.trim() === "") {
      throw this.#failure("returned an empty reply", { advice: "Check that REX_LLM_MODEL names a chat model" });
    }
    return text;
  }

  /** Runs one streamed request and collects its text and tool calls. */
  async #complete(messages: ChatCompletionMessageParam[], offerTools: boolean, options: ReplyOptions): Promise<Completion> {
    const { signal, onDelta } = options;
    const stall = new AbortController();
    const requestSignal = signal ? AbortSignal.any([signal, stall.signal]) : stall.signal;
    let completion: Completion;
    try {
      const tools = offerTools ? { tools: toolDefinitions(this.#plugins!) } : {};
      const body = { model: this.model, messages, stream: true, ...tools } as const;
      const stream = await this.#client.chat.completions.create(body, { signal: requestSignal });
      completion = await this.#collectDeltas(stream, stall, onDelta);
    } catch (error) {
      if (error instanceof DeltaCallbackError) throw error.cause;
      signal?.throwIfAborted();
      throw this.#toRexError(error);
    }
    // The stream ends without an error when its signal aborts, so the reason is checked here.
    signal?.throwIfAborted();
    if (stall.signal.aborted) throw this.#failure(`timed out after ${this.timeoutMs} ms without a streamed chunk`);
    return completion;
  }

  /** Concatenates the streamed deltas, aborting `stall` when no chunk arrives within the timeout. */
  async #collectDeltas(
    stream: Stream<ChatCompletionChunk>,
    stall: AbortController,
    onDelta: ((text: string) => void) | undefined,
  ): Promise<Completion> {
    const armStallTimer = () => setTimeout(() => stall.abort(), this.timeoutMs);
    let timer = armStallTimer();
    let text = "";
    const toolCalls: ChatCompletionMessageFunctionToolCall[] = [];
    try {
      for await (const chunk of stream) {
        clearTimeout(timer);
        timer = armStallTimer();
        for (const part of chunk.choices[0]?.delta?.tool_calls ?? []) mergeToolCallDelta(toolCalls, part);
        const delta = chunk.choices[0]?.delta?.content;
        if (!delta) continue;
        text += delta;
        try {
          onDelta?.(delta);
        } catch (error) {
          throw new DeltaCallbackError("onDelta threw", { cause: error });
        }
      }
    } finally {
      clearTimeout(timer);
    }
    return { text, toolCalls };
  }

  #toRexError(error: unknown): RexError {
    if (error instanceof APIConnectionTimeoutError) {
      const attempts = this.maxRetries === 0 ? "1 attempt" : `${this.maxRetries + 1} attempts`;
      const problem = `timed out after ${this.timeoutMs} ms waiting for a response (${attempts})`;
      return this.#failure(problem, { cause: error });
    }
    if (error instanceof APIConnectionError) {
      const code = findErrorCode(error) ?? "connection error";
      return this.#failure(`could not connect (${code})`, { cause: error });
    }
    if (error instanceof APIError && error.status !== undefined) {
      const detail = serverMessage(error);
      const problem = `failed with HTTP ${error.status}` + (detail ? `: ${detail}` : "");
      return this.#failure(problem, { advice: adviceForStatus(error.status), cause: error });
    }
    const message = error instanceof Error ? error.message : String(error);
    return this.#failure(`failed: ${message}`, { cause: error });
  }

  /** Builds an LLM_FAILED error that names the server and model. Without `advice` it suggests the usual checks. */
  #failure(problem: string, options: { advice?: string; cause?: unknown } = {}): RexError {
    const advice = options.advice ?? DEFAULT_ADVICE;
    const message = `LLM request to ${this.baseUrl} (model "${this.model}") ${problem}. ${advice}.`;
    return new RexError("LLM_FAILED", redact(message, this.#apiKey), { cause: options.cause });
  }
}

/** Adds one streamed piece of a tool call: the first piece of an index carries its id and name. */
function mergeToolCallDelta(
  calls: ChatCompletionMessageFunctionToolCall[],
  part: ChatCompletionChunk.Choice.Delta.ToolCall,
): void {
  const call = (calls[part.index] ??= { id: "", type: "function", function: { name: "", arguments: "" } });
  if (part.id) call.id = part.id;
  if (part.function?.name) call.function.name += part.function.name;
  if (part.function?.arguments) call.function.arguments += part.function.arguments;
}

/** Log adapter from the openai client to pino. The client logs every response at info, so only retries stay at info. */
const openAILogger: NonNullable<ClientOptions["logger"]> = {
  error: (message) => log.error(message),
  warn: (message) => log.warn(message),
  info: (message) => (message.includes("retrying") ? log.info(message) : log.debug(message)),
  debug: (message) => log.debug(message),
};

function requireText(value: unknown, name: string): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new TypeError(`OpenAIResponder option ${name} must be a non-empty string`);
  }
  return value;
}

function validateLimits(timeoutMs: number, maxRetries: number): void {
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new RangeError(`OpenAIResponder option timeoutMs must be a positive number of ms, got ${timeoutMs}`);
  }
  if (!Number.isInteger(maxRetries) || maxRetries < 0) {
    throw new RangeError(`OpenAIResponder option maxRetries must be an integer of 0 or more, got ${maxRetries}`);
  }
}

function adviceForStatus(status: number): string {
  if (status === 401 || status === 403) return "Check OPENAI_API_KEY and OPENAI_BASE_URL";
  if (status === 404) {
    return "Check that REX_LLM_MODEL names a model the server serves and that OPENAI_BASE_URL ends in /v1";
  }
  if (status === 429) return "The server is rate limiting requests, so wait and try again";
  return "Check the server's log, and that OPENAI_BASE_URL and REX_LLM_MODEL are correct";
}

/** Returns the `error.message` of an OpenAI-style error body, if the server sent one. */
function serverMessage(error: APIError): string | undefined {
  const body = error.error as { message?: unknown } | undefined;
  return typeof body?.message === "string" && body.message !== "" ? body.message : undefined;
}

/** Finds the first system error code, such as ECONNREFUSED, on the error's chain of causes. */
function findErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as Error & { code?: unknown }).code;
    if (typeof code === "string" && /^E[A-Z]+$/.test(code)) return code;
    current = current.cause;
  }
  return undefined;
}

/** Removes the API key from text that may echo it, such as a server's "invalid key" message. */
function redact(text: string, apiKey: string): string {
  return apiKey.length >= 4 ? text.split(apiKey).join("***") : text;
}
