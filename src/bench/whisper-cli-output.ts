/** Parsers for what whisper.cpp's command-line tools print (checked with whisper.cpp 1.9.1). */

/** The totals that whisper_print_timings writes to standard error, in ms. */
export interface WhisperCppTimings {
  load?: number;
  mel?: number;
  sample?: number;
  encode?: number;
  decode?: number;
  batchd?: number;
  prompt?: number;
  total?: number;
  /** Runs counted for sample, encode, decode, batchd and prompt. */
  runs: Record<string, number>;
}

/** Stage times derived from {@link WhisperCppTimings}, named as rex names them. */
export interface WhisperCppStages {
  loadMs: number | null;
  melMs: number | null;
  encodeMs: number | null;
  /** Decoder runs of every kind plus token sampling. */
  decodeMs: number | null;
  /** Sum of the stage timers: mel, encode, decode, batchd, prompt and sample. */
  transcribeMs: number | null;
}

const TIMING_LINE = /whisper_print_timings:\s+(\w+) time =\s+([\d.]+) ms(?: \/\s+(\d+) runs)?/g;
const SEGMENT_LINE = /^\[\d\d:\d\d:\d\d\.\d{3} --> \d\d:\d\d:\d\d\.\d{3}\]\s?(.*)$/;

/** Reads the whisper_print_timings lines in `text`. Later lines win when a tool printed twice. */
export function parseTimings(text: string): WhisperCppTimings {
  const timings: WhisperCppTimings = { runs: {} };
  for (const match of text.matchAll(TIMING_LINE)) {
    const name = match[1] as keyof Omit<WhisperCppTimings, "runs">;
    timings[name] = Number(match[2]);
    if (match[3] !== undefined) timings.runs[name] = Number(match[3]);
  }
  return timings;
}

/** Converts whisper.cpp's timer totals to rex's stage names. */
export function toStages(timings: WhisperCppTimings): WhisperCppStages {
  const { sample, decode, batchd, prompt } = timings;
  const complete = sample !== undefined && decode !== undefined && batchd !== undefined && prompt !== undefined;
  const decodeMs = complete ? sample + decode + batchd + prompt : null;
  const melMs = timings.mel ?? null;
  const encodeMs = timings.encode ?? null;
  const transcribeMs = melMs !== null && encodeMs !== null && decodeMs !== null ? melMs + encodeMs + decodeMs : null;
  return { loadMs: timings.load ?? null, melMs, encodeMs, decodeMs, transcribeMs };
}

/** Joins the text of the timestamped segment lines that whisper-cli prints to standard output. */
export function parseTranscript(stdout: string): string {
  const texts: string[] = [];
  for (const line of stdout.split("\n")) {
    const match = SEGMENT_LINE.exec(line.trim());
    if (match) texts.push(match[1].trim());
  }
  return texts.join(" ").trim();
}
