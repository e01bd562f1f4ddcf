import { InvalidArgumentError } from "commander";

import { RexError } from "../errors.js";
import { configureLogger, getLogger } from "../log.js";
import type { Settings } from "../config/schema.js";

/** Exit status for a failure of the work itself (model, audio, network). */
export const EXIT_FAILURE = 1;
/** Exit status for invalid input from the user (arguments, settings). */
export const EXIT_USAGE = 2;

/** Sets up logging from the settings. Call before anything loads the native addon. */
export function setUpLogging(settings: Settings): void {
  configureLogger({ level: settings.logLevel, file: settings.logFile });
}

/**
 * Runs a command action and turns errors into a message on standard error and an exit status,
 * so no command ends with a stack trace for an expected failure.
 */
export function runAction<A extends unknown[]>(action: (...args: A) => Promise<number | void>) {
  return async (...args: A): Promise<void> => {
    try {
      const status = await action(...args);
      process.exitCode = status ?? 0;
    } catch (error) {
      process.exitCode = reportError(error);
    }
  };
}

/** Prints `error` for a person and returns the exit status it deserves. */
export function reportError(error: unknown): number {
  if (error instanceof RexError) {
    process.stderr.write(`rex: ${error.message}\n`);
    return error.code === "CONFIG_INVALID" ? EXIT_USAGE : EXIT_FAILURE;
  }
  if (error instanceof TypeError || error instanceof RangeError) {
    process.stderr.write(`rex: ${error.message}\n`);
    return EXIT_USAGE;
  }
  getLogger("cli").debug({ err: error }, "unexpected error");
  process.stderr.write(`rex: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
  return EXIT_FAILURE;
}

/** Parses a positive integer flag; commander reports the error and the CLI exits with status 2. */
export function parsePositiveInt(flag: string) {
  return (value: string): number => {
    const number = Number(value);
    if (!/^\d+$/.test(value.trim()) || number < 1) {
      throw new InvalidArgumentError(`${flag} must be a positive integer, got '${value}'`);
    }
    return number;
  };
}
