/** One message of a conversation, in the shape that OpenAI-compatible chat APIs accept. */
export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** Options for one {@link Responder.reply} call. */
export interface ReplyOptions {
  /** Signal that cancels the request. The promise then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Callback for each piece of the reply as it arrives, before the promise resolves. */
  onDelta?: (text: string) => void;
}

/** A source of assistant replies: a language model server, or the offline fallback. */
export interface Responder {
  /** Generates the assistant's next message for `messages` and resolves with its full text. */
  reply(messages: ChatMessage[], options?: ReplyOptions): Promise<string>;
}
