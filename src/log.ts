import { pino, type Logger, type LevelWithSilent } from "pino";
import pinoPretty from "pino-pretty";

export type { Logger };

let root: Logger | undefined;

/** Options for the process-wide logger. */
export interface LoggerOptions {
  /** Minimum level written; default "info". */
  level?: LevelWithSilent;
  /** Readable output instead of JSON lines; default: when standard error is a terminal. */
  pretty?: boolean;
  /** Also append JSON lines to this file. */
  file?: string;
}

const REDACTED_PATHS = [
  "apiKey",
  "*.apiKey",
  "*.braveApiKey",
  "*.serpapiApiKey",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "token",
  "*.token",
];

/**
 * Creates the process-wide logger. Logs go to standard error, because standard output carries
 * results such as transcripts. Every stream is written on the calling thread: pino's transports
 * would start a worker thread with its own JavaScript heap, tens of MB for a few log lines.
 */
export function configureLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? "info";
  const pretty = options.pretty ?? Boolean(process.stderr.isTTY);
  const standardError = pretty
    ? pinoPretty({ destination: 2, colorize: true, translateTime: "HH:MM:ss.l", sync: true })
    : pino.destination({ dest: 2, sync: true });
  // A multistream entry cannot be "silent"; the logger's own level already drops every line then.
  const streamLevel = level === "silent" ? "fatal" : level;
  const streams: pino.StreamEntry[] = [{ level: streamLevel, stream: standardError }];
  if (options.file) streams.push({ level: streamLevel, stream: pino.destination({ dest: options.file, mkdir: true, sync: true }) });
  root = pino({ level, redact: REDACTED_PATHS }, streams.length === 1 ? standardError : pino.multistream(streams));
  return root;
}

/**
 * Returns the logger of one module. Modules call this at import time, before the CLI has read
 * the log level, so the returned object forwards each call to a child of the current root
 * logger: configureLogger() later changes what every module's logger writes.
 */
export function getLogger(module: string): Logger {
  let child: Logger | undefined;
  let childOf: Logger | undefined;
  const current = (): Logger => {
    root ??= configureLogger({ level: "info", pretty: false });
    if (childOf !== root) {
      child = root.child({ module });
      childOf = root;
    }
    return child!;
  };
  return new Proxy({} as Logger, {
    get(_target, property) {
      const logger = current();
      const value = Reflect.get(logger, property, logger);
      return typeof value === "function" ? value.bind(logger) : value;
    },
  });
}
