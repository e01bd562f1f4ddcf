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

/** Returns a child logger for one module, creating a default root logger on first use. */
export function getLogger(module: string): Logger {
  root ??= configureLogger({ level: "info", pretty: false });
  return root.child({ module });
}
