/**
 * The bridge between the plugin registry and the Chat Completions tools interface: the `tools`
 * array for a request, and `role: "tool"` messages for the `tool_calls` of a response.
 */
import type {
  ChatCompletionFunctionTool,
  ChatCompletionMessageToolCall,
  ChatCompletionToolMessageParam,
} from "openai/resources/chat/completions";

import { RexError } from "../errors.js";
import { getLogger } from "../log.js";
import type { PluginCallOptions, PluginRegistry } from "./registry.js";
import { sanitizeOutput } from "./sanitize.js";

const log = getLogger("plugins");

/** A tool result message with its content as plain text, as sent back to the model. */
export type ToolMessage = ChatCompletionToolMessageParam & { content: string };

/** Returns one function tool per loaded plugin, for the `tools` field of a chat completion request. */
export function toolDefinitions(registry: PluginRegistry): ChatCompletionFunctionTool[] {
  return registry.plugins.map((plugin) => ({
    type: "function",
    function: { name: plugin.name, description: plugin.description, parameters: { ...plugin.parameters } },
  }));
}

/**
 * Runs the tool calls of one assistant message, in parallel, and resolves with one tool message
 * for each, in the same order. The content of each is the plugin's sanitised output, or a sentence
 * that states why the call failed: unknown tool, invalid JSON or arguments, rate limit, timeout or
 * plugin error. A failed call never rejects, so the model can still answer the turn.
 * Only an abort of `options.signal` rejects, with the signal's reason.
 */
export async function runToolCalls(
  registry: PluginRegistry,
  toolCalls: readonly ChatCompletionMessageToolCall[],
  options: PluginCallOptions = {},
): Promise<ToolMessage[]> {
  return Promise.all(toolCalls.map((toolCall) => runToolCall(registry, toolCall, options)));
}

async function runToolCall(
  registry: PluginRegistry,
  toolCall: ChatCompletionMessageToolCall,
  options: PluginCallOptions,
): Promise<ToolMessage> {
  const message = (content: string): ToolMessage => ({ role: "tool", tool_call_id: toolCall.id, content });
  if (toolCall.type !== "function") {
    return message(`Error: tool call ${toolCall.id} is of type "${toolCall.type}", but only function tools exist here.`);
  }
  const name = toolCall.function.name;
  const args = parseArguments(toolCall.function.arguments);
  if (args instanceof Error) {
    log.warn({ plugin: name, toolCallId: toolCall.id }, args.message);
    return message(`Error: the tool "${name}" was not run because its arguments are not valid JSON (${args.message}).`);
  }
  try {
    const output = await registry.call(name, args, options);
    return message(output === "" ? `The tool "${name}" returned no output.` : output);
  } catch (error) {
    options.signal?.throwIfAborted();
    if (!(error instanceof RexError)) throw error;
    log.warn({ plugin: name, toolCallId: toolCall.id, code: error.code }, error.message);
    // Error text can quote plugin output, such as a thrown message, so it is sanitised like output.
    return message(`Error (${error.code}): ${sanitizeOutput(error.message, registry.maxOutputChars)}`);
  }
}

/** Parses a tool call's arguments. Some servers send an empty string for a call without arguments. */
function parseArguments(text: string): unknown {
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    return error as Error;
  }
}
