/** Codes carried by {@link RexError}; each names one kind of engine, audio or config failure. */
export type RexErrorCode =
  | "ABORTED"
  | "ADDON_LOAD_FAILED"
  | "AUDIO_BACKEND_UNAVAILABLE"
  | "AUDIO_DECODE_FAILED"
  | "AUDIO_DEVICE_CLOSED"
  | "AUDIO_DEVICE_LOST"
  | "AUDIO_DEVICE_NOT_FOUND"
  | "AUDIO_DEVICE_OPEN_FAILED"
  | "AUDIO_DEVICE_START_FAILED"
  | "AUDIO_FILE_NOT_FOUND"
  | "CONFIG_INVALID"
  | "LLM_FAILED"
  | "MEMORY_INVALID"
  | "MEMORY_NOT_FOUND"
  | "MEMORY_USER_INVALID"
  | "MEMORY_WRITE_FAILED"
  | "MODEL_DOWNLOAD_FAILED"
  | "MODEL_FREED"
  | "MODEL_LOAD_FAILED"
  | "MODEL_NOT_FOUND"
  | "NATIVE_ERROR"
  | "PLUGIN_ARGUMENTS_INVALID"
  | "PLUGIN_FAILED"
  | "PLUGIN_INVALID"
  | "PLUGIN_NOT_FOUND"
  | "PLUGIN_RATE_LIMITED"
  | "PLUGIN_TIMEOUT"
  | "TRANSCRIBE_FAILED"
  | "TTS_FAILED"
  | "VAD_FAILED"
  | "VAD_LOAD_FAILED"
  | "WAKE_ENROLL_FAILED"
  | "WAKE_FAILED"
  | "WAKE_MODEL_LOAD_FAILED"
  | "WAKE_MODEL_NOT_FOUND";

/**
 * The error rex raises for engine, audio and config failures. Bad arguments raise TypeError or
 * RangeError instead. The message says what failed, on which value, and what to do next.
 */
export class RexError extends Error {
  readonly code: RexErrorCode;

  constructor(code: RexErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RexError";
    this.code = code;
  }
}

/** Converts an error from the addon, which carries a string `code`, into a RexError. */
export function fromNativeError(error: unknown): unknown {
  if (error instanceof RexError || !(error instanceof Error)) return error;
  const code = (error as Error & { code?: unknown }).code;
  if (typeof code !== "string") return error;
  return new RexError(code as RexErrorCode, error.message, { cause: error });
}

/** True when `error` is a RexError with the given code. */
export function isRexError(error: unknown, code?: RexErrorCode): error is RexError {
  return error instanceof RexError && (code === undefined || error.code === code);
}
