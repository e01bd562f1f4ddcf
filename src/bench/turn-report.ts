/** Tables and the Markdown page of `rex bench turn`, with the goals it reports against. */
import { LLM_REPLY, STAGES, type ResponderResult, type Spread, type Stage, type TurnBenchReport } from "./turn.js";

/** Goal: end of speech (the endpoint) to the first reply sound with the offline responder and espeak-ng. */
export const GOAL_FIRST_SOUND_MS = 300;
/** Goal: peak resident memory of rex listen with base.en loaded. */
export const GOAL_PEAK_RSS_MB = 350;

const STAGE_NAMES: Record<Stage, string> = {
  endpoint: "endpoint (speech ended)",
  transcript: "final transcript",
  firstToken: "first LLM token",
  firstAudio: "first reply audio handed to the device",
  firstSound: "first reply sound in the output sink",
};

const RESPONDER_NAMES = {
  llm: "OpenAI-compatible server on loopback (streaming, no delay)",
  offline: "offline responder",
} as const;

function ms(spread: Spread | undefined, key: "median" | "p95"): string {
  return spread === undefined ? "–" : `${Math.round(spread[key])}`;
}

function stageRows(result: ResponderResult): string[][] {
  return STAGES.filter((stage) => result.fromSpeechEnd[stage]).map((stage) => [
    STAGE_NAMES[stage],
    ms(result.fromSpeechEnd[stage], "median"),
    ms(result.fromSpeechEnd[stage], "p95"),
    ms(result.fromEndpoint[stage], "median"),
    ms(result.fromEndpoint[stage], "p95"),
  ]);
}

const HEADER = ["stage", "from end of speech, median", "p95", "from endpoint, median", "p95"];

/** Returns one line per goal: met or missed, with the measured value. */
export function goalLines(report: TurnBenchReport): string[] {
  const lines: string[] = [];
  const offline = report.results.find((result) => result.responder === "offline");
  const firstSound = offline?.fromEndpoint.firstSound;
  if (offline && firstSound) {
    const met = firstSound.median <= GOAL_FIRST_SOUND_MS;
    lines.push(
      `${met ? "met" : "missed"}: endpoint to first reply sound with the offline responder and espeak-ng at most ` +
        `${GOAL_FIRST_SOUND_MS} ms: median ${Math.round(firstSound.median)} ms, p95 ${Math.round(firstSound.p95)} ms` +
        (met ? "" : `, ${over(firstSound.median, GOAL_FIRST_SOUND_MS, "ms")}. ${whereTheTimeGoes(offline)}`),
    );
  }
  const peak = Math.max(...report.results.map((result) => result.peakRssMB));
  if (Number.isFinite(peak)) {
    const met = peak <= GOAL_PEAK_RSS_MB;
    lines.push(
      `${met ? "met" : "missed"}: peak resident memory of rex listen at most ${GOAL_PEAK_RSS_MB} MB: ${Math.round(peak)} MB with ${report.model}` +
        (met ? "" : `, ${over(peak, GOAL_PEAK_RSS_MB, "MB")}`),
    );
  }
  return lines;
}

function over(measured: number, target: number, unit: string): string {
  return `${Math.round(measured - target)} ${unit} (${(((measured - target) / target) * 100).toFixed(0)}%) over`;
}

/** Describes the stages between the endpoint and the first sound, from their medians. */
function whereTheTimeGoes(result: ResponderResult): string {
  const at = (stage: Stage) => result.fromEndpoint[stage]?.median;
  const transcript = at("transcript");
  const firstAudio = at("firstAudio");
  const firstSound = at("firstSound");
  if (transcript === undefined || firstAudio === undefined || firstSound === undefined) return "";
  return (
    `In medians from the endpoint, whisper's transcript is ready after ${Math.round(transcript)} ms, the reply's first ` +
    `sentence reaches the playback device ${Math.round(firstAudio - transcript)} ms later, and the sink plays it ` +
    `${Math.round(firstSound - firstAudio)} ms after that.`
  );
}

function textTable(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join("  "));
}

/** Terminal output. */
export function renderTurnText(report: TurnBenchReport): string {
  const lines = [`rex bench turn: ${report.model}, whisper threads: ${report.threads}; ${report.minutes.toFixed(1)} min`, ""];
  for (const result of report.results) {
    lines.push(`== ${RESPONDER_NAMES[result.responder]}: ${result.turns.length} turns, ${result.missed} missed, peak RSS ${Math.round(result.peakRssMB)} MB ==`);
    lines.push(...textTable([HEADER, ...stageRows(result)]), "");
  }
  lines.push(...goalLines(report), "");
  return lines.join("\n");
}

function markdownTable(rows: string[][]): string[] {
  const [header, ...body] = rows;
  return [`| ${header!.join(" | ")} |`, `| ${header!.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`, ...body.map((row) => `| ${row.join(" | ")} |`)];
}

/** Renders the Markdown page, bench/TURN.md. */
export function renderTurnMarkdown(report: TurnBenchReport): string {
  const { machine } = report;
  const lines = [
    "# Conversation turn benchmark",
    "",
    `Measured ${report.date} on ${machine.cpu} (${machine.cores} cores, ${machine.os}, Node ${machine.node}) with \`${report.command}\`, ` +
      `in ${report.minutes.toFixed(1)} minutes. One-minute load average: ${report.loadAverage.before.toFixed(2)} before, ${report.loadAverage.after.toFixed(2)} after.`,
    "",
    `Model: \`${report.modelPath}\`, whisper threads: ${report.threads}. rex listen runs with its defaults for everything else ` +
      "(fitted encoder window, no flash attention, endOfSpeechMs 600), because the benchmark clears REX_ variables from its environment.",
    "",
    "## Goals",
    "",
    ...goalLines(report).map((line) => `- ${line}`),
    "",
  ];
  for (const result of report.results) {
    lines.push(
      `## ${RESPONDER_NAMES[result.responder]}`,
      "",
      `${result.turns.length} turns measured, ${result.missed} utterances without a finished turn. Peak resident memory of rex listen: ${Math.round(result.peakRssMB)} MB. Times in ms.`,
      "",
      ...markdownTable([HEADER, ...stageRows(result)]),
      "",
    );
  }
  lines.push(...methodLines());
  return lines.join("\n");
}

function methodLines(): string[] {
  return [
    "## Method",
    "",
    "- A private PulseAudio server has two null sinks at 48 kHz stereo. Utterances spoken by espeak-ng (the 20 voice commands of `rex bench`'s stream) play into the first, whose monitor is rex's microphone; rex plays its chime and replies into the second. One `rex listen --no-wake` process runs per responder, and each utterance plays once rex logs that it waits for speech.",
    "- The true end of speech is the last sample at or above -50 dBFS in the microphone sink's monitor, recorded by parec with a 10 ms latency; the first reply sound is the first such sample in the output sink's monitor after the endpoint. Both carry the wall-clock time of their arrival.",
    "- The endpoint is the time field of rex's `speech ended` log line, after `endOfSpeechMs` of silence. The transcript, first token and first audio are the endpoint plus rex's own turn timings, which count from the moment the assistant starts the turn, right after that line.",
    `- The loopback server streams "${LLM_REPLY}" with no delay. The offline responder answers from its built-in rules, and espeak-ng speaks every reply.`,
    "- Peak resident memory is VmHWM of the rex listen process after its last turn.",
    "",
  ];
}
