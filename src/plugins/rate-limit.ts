/** A sliding-window rate limit per key: at most `maxCalls` calls in any `windowMs` milliseconds. */
export class RateLimiter {
  readonly #calls = new Map<string, number[]>();

  constructor(
    readonly maxCalls: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(maxCalls) || maxCalls < 1) {
      throw new RangeError(`maxCalls must be a positive integer, got ${maxCalls}`);
    }
    if (!Number.isFinite(windowMs) || windowMs <= 0) {
      throw new RangeError(`windowMs must be a positive number of ms, got ${windowMs}`);
    }
  }

  /**
   * Records a call for `key` when the limit allows it and returns 0. Otherwise records nothing and
   * returns the milliseconds until the oldest call in the window expires.
   */
  take(key: string): number {
    const now = this.now();
    const recent = (this.#calls.get(key) ?? []).filter((time) => now - time < this.windowMs);
    if (recent.length >= this.maxCalls) {
      this.#calls.set(key, recent);
      return recent[0] + this.windowMs - now;
    }
    recent.push(now);
    this.#calls.set(key, recent);
    return 0;
  }
}
