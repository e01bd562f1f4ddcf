import { pino, type Logger, type LevelWithSilent } from "pino";

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
 * results such as transcripts.
 */
export function configureLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? "info";
  const pretty = options.pretty ?? Boolean(process.stderr.isTTY);
  const targets: pino.TransportTargetOptions[] = [];
  if (pretty) {
    targets.push({ target: "pino-pretty", level, options: { destination: 2, colorize: true, translateTime: "HH:MM:ss.l" } });
  }
  if (options.file) targets.push({ target: "pino/file", level, options: { destination: options.file, mkdir: true } });

  if (targets.length === 0) {
    root = pino({ level, redact: REDACTED_PATHS }, pino.destination({ dest: 2, sync: true }));
  } else {
    if (!pretty) targets.push({ target: "pino/file", level, options: { destination: 2 } });
    root = pino({ level, redact: REDACTED_PATHS }, pino.transport({ targets }));
  }
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
