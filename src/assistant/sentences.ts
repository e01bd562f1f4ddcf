/**
 * Splits streamed text into sentences as they complete, so speech can start before the whole
 * reply has arrived. A sentence ends at ".", "!", "?" or a line break followed by whitespace;
 * a full stop inside a number ("3.5") or after a single letter ("e.g.") does not end one.
 */
export class SentenceSplitter {
  private buffer = "";

  constructor(
    private readonly onSentence: (sentence: string) => void,
    /** Shorter pieces wait for the next sentence, so "Hi." is not spoken on its own. */
    private readonly minLength = 12,
  ) {}

  push(text: string): void {
    this.buffer += text;
    for (;;) {
      const end = this.findEnd();
      if (end < 0) return;
      const sentence = this.buffer.slice(0, end).trim();
      this.buffer = this.buffer.slice(end);
      if (sentence) this.onSentence(sentence);
    }
  }

  /** Emits what is left, for the end of the stream. */
  flush(): void {
    const rest = this.buffer.trim();
    this.buffer = "";
    if (rest) this.onSentence(rest);
  }

  private findEnd(): number {
    const boundary = /([.!?]+["')\]]*|\n)(\s+)/g;
    for (let match = boundary.exec(this.buffer); match; match = boundary.exec(this.buffer)) {
      const end = match.index + match[1].length;
      const before = this.buffer.slice(0, match.index);
      if (match[1] === "." && /(^|[\s.])\S$/.test(before)) continue;
      if (end < this.minLength && match[1] !== "\n") continue;
      return end;
    }
    return -1;
  }
}
