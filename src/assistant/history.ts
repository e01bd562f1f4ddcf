import type { ChatMessage } from "../llm/types.js";

export interface HistoryLimits {
  /** Most recent user-assistant exchanges kept. */
  maxTurns: number;
  /** Approximate token budget for the kept messages, at four characters a token. */
  maxTokens: number;
}

export const DEFAULT_HISTORY_LIMITS: HistoryLimits = { maxTurns: 10, maxTokens: 2000 };

/** Rough token count of a text; four characters a token is the usual estimate for English. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/**
 * The conversation so far. recent() returns the newest messages that fit both limits, always
 * starting at a user message so an answer is never sent without its question.
 */
export class ConversationHistory {
  private readonly messages: ChatMessage[] = [];

  constructor(private readonly limits: HistoryLimits = DEFAULT_HISTORY_LIMITS) {}

  add(message: ChatMessage): void {
    this.messages.push(message);
  }

  all(): readonly ChatMessage[] {
    return this.messages;
  }

  recent(): ChatMessage[] {
    const kept: ChatMessage[] = [];
    let tokens = 0;
    let turns = 0;
    for (let i = this.messages.length - 1; i >= 0; i--) {
      const message = this.messages[i];
      tokens += estimateTokens(message.content);
      if (message.role === "user") turns++;
      if (turns > this.limits.maxTurns || (tokens > this.limits.maxTokens && kept.length > 0)) break;
      kept.unshift(message);
    }
    while (kept.length > 1 && kept[0].role !== "user") kept.shift();
    return kept;
  }
}
