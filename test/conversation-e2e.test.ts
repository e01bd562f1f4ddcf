/**
 * End-to-end conversations with one long-running `rex listen` process per test (not --once),
 * through a private PulseAudio server. The test speaks espeak-ng WAVs into a null sink, and rex
 * captures them from the sink's monitor and sends the transcript to a loopback LLM server. rex
 * speaks each reply into the sink, where the test streams the monitor and transcribes the reply back. The barge-in test gives rex a
 * second null sink as its microphone, so rex does not hear its own reply. Needs the built CLI in
 * dist/, and skips when PulseAudio or espeak-ng is not installed.
 */
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

import t, { type Test } from "tap";

import { SAMPLE_RATE } from "../src/audio/decode.js";
import { Transcriber } from "../src/speech/transcriber.js";
import {
  audioBetween,
  cliEnvironment,
  keepSourceRendering,
  normalize,
  pactl,
  playInto,
  RexProcess,
  soundEndBeforeSilence,
  threadCount,
  waitForChimeEnd,
  waitForSoundAfterPause,
} from "./helpers/conversation.js";
import { genuineModel } from "./helpers/fixtures.js";
import { startLlmServer, type MockMessage, type MockToolCallReply } from "./helpers/llm-server.js";
import { BUSY_PLUGIN, pluginSource } from "./helpers/plugin-modules.js";
import { pulseUnavailableReason, speakToWav, startPulse, type MonitorStream, type PulseServer } from "./helpers/pulse.js";

const skip = pulseUnavailableReason();
const options = { skip };

/** Start-up took 1 to 2 s on a busy two-core machine, and this limit allows for a far slower one. */
const STARTUP_TIMEOUT_MS = 90_000;
/** One turn: end of speech, whisper, the LLM, plugins, speech synthesis and playback. */
const TURN_TIMEOUT_MS = 60_000;
/** Silence after the listening chime before the test speaks. rex's playback adds 200 ms of silence after a sound. */
const CHIME_SILENCE_MS = 400;
const CHIME_TIMEOUT_MS = 10_000;
/**
 * Silence that marks a stopped reply. A pause between two sentences of espeak-ng speech is about
 * 0.3 s (espeak-ng 1.51, voice en-us, rate 175). rex needs longer than this to hear the end of
 * the interruption, transcribe it and start the next reply.
 */
const STOPPED_SILENCE_MS = 700;
/** Minimum pause between two sentences of a reply. Pauses inside an espeak-ng sentence are at most 0.15 s. */
const SENTENCE_PAUSE_MS = 200;
/** Behaviour bound for the barge-in: the reply must stop well before the next sentence would start. */
const MAX_STOP_LATENCY_MS = 1500;

const APOLOGY = "Sorry, I could not reach the language model. Please try again in a moment.";
const MIC_SINK = "rex_mic";
const MIC_SOURCE = `${MIC_SINK}.monitor`;

const PHRASES = {
  colour: "my favourite colour is blue",
  question: "what is my favourite colour",
  fruit: "what is the fruit of the day",
  time: "what time is it",
  stillThere: "are you still there",
  planets: "tell me about the planets",
  stop: "stop",
};

// Five rex processes and about ten turns took 2 to 3 minutes on a busy two-core machine, so this allows for a far slower one.
t.setTimeout(600_000);

let pulse: PulseServer;
let transcriber: Transcriber;
const wavs = {} as Record<keyof typeof PHRASES, string>;
if (!skip) {
  // A 16 kHz mono sink, so the monitor stream is at the sample rate that whisper takes.
  pulse = await startPulse({ rate: SAMPLE_RATE, channels: 1 });
  t.teardown(() => pulse.stop());
  transcriber = await Transcriber.load(genuineModel("tiny.en"), { threads: 2 });
  t.teardown(() => transcriber.free());
  await Promise.all(
    Object.entries(PHRASES).map(async ([key, text]) => {
      const path = join(pulse.dir, `${key}.wav`);
      await speakToWav(text, path);
      wavs[key as keyof typeof PHRASES] = path;
    }),
  );
}

/** A running rex, the monitor stream of the sink it speaks into, and its data folder. */
interface Session {
  rex: RexProcess;
  monitor: MonitorStream;
  dataDir: string;
  spawnedAt: number;
}

/** One turn as the test observed it. */
interface ObservedTurn {
  chimeHeard: boolean;
  /** The text after "you: " on stdout. */
  transcript: string;
  /** The text after "rex: " on stdout. */
  reply: string;
  /** Transcript of the sink audio between the end of the question and the "rex: " line. */
  spokenReply: string;
}

t.test("conversation keeps history", options, async (t) => {
  const replies = ["Noted, blue is a fine colour.", "Your favourite colour is blue."];
  let calls = 0;
  const server = await startLlmServer({ reply: () => replies[Math.min(calls++, replies.length - 1)] });
  t.teardown(() => server.close());
  const session = await startSession(t, llmEnvironment(server.baseUrl));

  const first = await speakTurn(session, wavs.colour, 1);
  const second = await speakTurn(session, wavs.question, 2);
  commentTurns(t, session, [first, second]);

  t.ok(first.chimeHeard, "rex plays its chime before turn 1");
  t.ok(second.chimeHeard, "rex plays its chime before turn 2");
  t.match(normalize(first.transcript), /\bblue\b/, "turn 1 transcript mentions blue");
  t.equal(first.reply, replies[0], "stdout has the first reply");
  t.equal(second.reply, replies[1], "stdout has the second reply");
  t.match(normalize(second.spokenReply), /\bblue\b/, `the second reply played into the sink says blue, heard '${second.spokenReply}'`);

  t.equal(server.requests.length, 2, "one chat request per turn reached the LLM server");
  const messages = server.requests[1]?.messages ?? [];
  t.same(
    messages.map((message) => message.role),
    ["system", "user", "assistant", "user"],
    `the second request has one system message, then turn 1 and turn 2 in order, got ${JSON.stringify(messages)}`,
  );
  t.equal(messages[1]?.content, first.transcript, "the history's first user message is the turn 1 transcript");
  t.match(normalize(String(messages[1]?.content)), /\bblue\b/, "the history's first user message mentions blue");
  t.equal(messages[2]?.content, replies[0], "the history's assistant message is the first reply");
  t.equal(messages[3]?.content, second.transcript, "the last user message is the turn 2 transcript");

  const transcriptLines = await readTranscriptLines(session.dataDir);
  t.equal(transcriptLines.length, 2, `the transcripts contain one line per turn, got:\n${transcriptLines.join("\n")}`);

  const exit = await session.rex.stop();
  t.equal(exit.code, 0, `rex exits with status 0 after SIGTERM, log:\n${session.rex.log}`);
});

t.test("tool call runs a plugin", options, async (t) => {
  const pluginOutput = "The fruit of the day is orange.";
  // tiny.en transcribes espeak-ng's reading of this sentence word for word. It transcribed "Today's
  // fruit is an orange." as "Today's fruity van Arminge." in one CI run.
  const finalReply = "The fruit of the day is an orange.";
  const pluginDir = await writePlugins({
    "fruit.js": pluginSource("fruit_of_the_day", { type: "object", properties: {} }, `return ${JSON.stringify(pluginOutput)};`),
  });
  const server = await startLlmServer({ reply: (messages) => replyAfterTool(messages, "fruit_of_the_day", finalReply) });
  t.teardown(() => server.close());
  const session = await startSession(t, { ...llmEnvironment(server.baseUrl), REX_PLUGIN_DIRS: pluginDir });

  const turn = await speakTurn(session, wavs.fruit, 1);
  commentTurns(t, session, [turn]);

  t.equal(server.requests.length, 2, "a tool call request and a follow-up request reached the LLM server");
  const toolNames = (server.requests[0]?.tools ?? []).map((tool) => (tool as { function?: { name?: string } }).function?.name);
  t.ok(toolNames.includes("fruit_of_the_day"), `the first request offers the test plugin as a tool, got ${JSON.stringify(toolNames)}`);
  const followUp = server.requests[1]?.messages ?? [];
  const toolMessage = followUp.find((message) => message.role === "tool");
  t.ok(toolMessage, `the follow-up request has a tool message, got ${JSON.stringify(followUp)}`);
  t.equal(toolMessage?.content, pluginOutput, "the tool message carries the plugin output");
  t.equal(toolMessage && "tool_call_id" in toolMessage ? toolMessage.tool_call_id : undefined, "call_1", "the tool message answers the call's id");
  const callIndex = followUp.findIndex((message) => message.role === "assistant" && "tool_calls" in message && message.tool_calls);
  t.ok(callIndex >= 0 && callIndex < followUp.indexOf(toolMessage!), "the assistant's tool call comes before the tool message");

  t.equal(turn.reply, finalReply, "stdout has the text of the follow-up response");
  t.match(normalize(turn.spokenReply), /\bfruit|\borange\b/, `the reply played into the sink names the fruit, heard '${turn.spokenReply}'`);

  const exit = await session.rex.stop();
  t.equal(exit.code, 0, `rex exits with status 0 after SIGTERM, log:\n${session.rex.log}`);
});

t.test("hanging plugin times out", options, async (t) => {
  const finalReply = "The busy tool did not answer in time.";
  const pluginDir = await writePlugins({ "busy.js": BUSY_PLUGIN });
  const server = await startLlmServer({ reply: (messages) => replyAfterTool(messages, "busy", finalReply) });
  t.teardown(() => server.close());
  const session = await startSession(t, { ...llmEnvironment(server.baseUrl), REX_PLUGIN_DIRS: pluginDir, REX_PLUGIN_TIMEOUT_MS: "1000" });
  const loaded = session.rex.records("plugins loaded")[0]?.plugins;
  t.ok(Array.isArray(loaded) && loaded.includes("busy"), `rex loads the busy plugin, got ${JSON.stringify(loaded)}`);

  const threads = sampleThreads(session.rex.pid);
  const turn = await speakTurn(session, wavs.time, 1, { transcribe: false });
  threads.stop();
  commentTurns(t, session, [turn]);

  t.equal(server.requests.length, 2, "a tool call request and a follow-up request reached the LLM server");
  const toolMessage = server.requests[1]?.messages.find((message) => message.role === "tool");
  t.match(String(toolMessage?.content), /timed out/, `the tool message says the plugin timed out, got ${JSON.stringify(toolMessage)}`);
  t.equal(turn.reply, finalReply, "stdout has the text of the follow-up response");

  const listening = await waitForChimeEnd(session.monitor.chunks, session.rex.lines(/^rex: /)[0].receivedAt, CHIME_SILENCE_MS, CHIME_TIMEOUT_MS);
  t.ok(listening, "rex plays its chime for the next turn");
  t.ok(session.rex.running, "rex keeps running after the plugin timed out");

  // While the plugin hangs, its worker is one more thread of rex, and after the timeout it must be gone.
  const requested = session.rex.records("model requested tools")[0]?.receivedAt ?? Infinity;
  const timedOut = session.rex.logs.find((record) => String(record.msg).includes("timed out"))?.receivedAt ?? -Infinity;
  const whileHanging = Math.max(...threads.samples.filter((sample) => sample.at > requested && sample.at < timedOut).map((sample) => sample.count));
  const afterwards = threadCount(session.rex.pid);
  t.comment(`rex threads: at most ${whileHanging} while the plugin hung, ${afterwards} after the turn`);
  if (afterwards !== undefined) {
    t.ok(Number.isFinite(whileHanging), "the test sampled rex's threads while the plugin hung");
    t.ok(afterwards < whileHanging, "the plugin's worker thread has ended after the timeout");
  }

  const exit = await session.rex.stop();
  t.equal(exit.code, 0, `rex exits with status 0 after SIGTERM, log:\n${session.rex.log}`);
});

t.test("unreachable LLM gets an apology", options, async (t) => {
  const port = await closedPort();
  const session = await startSession(t, { ...llmEnvironment(`http://127.0.0.1:${port}/v1`), REX_LLM_TIMEOUT_MS: "1000" });

  const first = await speakTurn(session, wavs.time, 1);
  const second = await speakTurn(session, wavs.stillThere, 2, { transcribe: false });
  commentTurns(t, session, [first, second]);

  t.ok(second.chimeHeard, "rex plays its chime for turn 2 after the failure");
  t.equal(first.reply, APOLOGY, "stdout has the apology for turn 1");
  t.match(normalize(first.spokenReply), /\bsorry\b|language model/, `the apology played into the sink, heard '${first.spokenReply}'`);
  t.ok(session.rex.records("the language model failed; apologising").length >= 1, "rex logs the LLM failure");
  t.ok(second.transcript.length > 0, "rex transcribes a second utterance after the failure");
  t.equal(second.reply, APOLOGY, "stdout has the apology for turn 2");

  const exit = await session.rex.stop();
  t.equal(exit.code, 0, `rex exits with status 0 after SIGTERM, log:\n${session.rex.log}`);
});

t.test("barge-in stops a long reply", options, async (t) => {
  const longReply = [
    "Mercury is the closest planet to the sun.",
    "Venus is the hottest planet in our solar system.",
    "Earth is the only planet known to have life.",
    "Mars is a cold desert world covered in red dust.",
    "Jupiter is the largest planet and has a giant storm.",
    "Saturn is famous for its bright and beautiful rings.",
  ].join(" ");
  const shortReply = "Okay, I stopped.";
  let calls = 0;
  const server = await startLlmServer({ reply: () => (calls++ === 0 ? longReply : shortReply) });
  t.teardown(() => server.close());

  const moduleId = pactl(pulse.env, ["load-module", "module-null-sink", `sink_name=${MIC_SINK}`, "rate=16000", "channels=1"]);
  t.teardown(() => pactl(pulse.env, ["unload-module", moduleId]));
  t.teardown(keepSourceRendering(pulse.env, MIC_SOURCE));
  // NOTE: with the fitted encoder window (REX_FIT_AUDIO_CONTEXT, on by default), whisper took
  // 20 s to 57 s to decode the short "stop" utterance on a two-core machine. The full window
  // took under 1 s, so this test uses it until the fitted window handles short utterances.
  const environment = { ...llmEnvironment(server.baseUrl), REX_BARGE_IN: "true", REX_FIT_AUDIO_CONTEXT: "false" };
  const session = await startSession(t, environment, ["--input-device", MIC_SOURCE]);
  const { rex, monitor } = session;

  t.ok(await waitForChimeEnd(monitor.chunks, session.spawnedAt, CHIME_SILENCE_MS, CHIME_TIMEOUT_MS), "rex plays its chime into its output sink");
  await playInto(pulse.env, MIC_SINK, wavs.planets);
  const questionEnd = performance.now();
  // The pause after the first sentence of the reply: the second sentence is playing, so the
  // interruption comes after at least one whole sentence.
  const secondSentence = await waitForSoundAfterPause(monitor.chunks, questionEnd, SENTENCE_PAUSE_MS, TURN_TIMEOUT_MS);
  if (secondSentence === undefined) throw new Error(`rex played no second sentence into the sink\nstdout:\n${rex.stdout}\nlog:\n${rex.log}`);

  const stopStartedAt = performance.now();
  await playInto(pulse.env, MIC_SINK, wavs.stop);
  const bargeIn = await rex.waitForLog("speech during the reply: stopping playback", TURN_TIMEOUT_MS);
  const interrupted = await rex.waitForLine(/^rex: .*\(interrupted\)$/, TURN_TIMEOUT_MS);
  await rex.waitFor(() => server.requests[1], "send a second chat request", TURN_TIMEOUT_MS);
  await rex.waitForLine(/^rex: /, TURN_TIMEOUT_MS, 2);
  commentTurns(t, session, []);

  const silentAt = soundEndBeforeSilence(monitor.chunks, stopStartedAt, STOPPED_SILENCE_MS);
  t.ok(silentAt !== undefined, `the sink falls silent for ${STOPPED_SILENCE_MS} ms after the interruption`);
  if (silentAt !== undefined) {
    const latency = Math.round(silentAt - bargeIn.receivedAt);
    t.comment(`barge-in stop latency: ${latency} ms from the log line, ${Math.round(silentAt - stopStartedAt)} ms from the start of 'stop'`);
    t.ok(latency <= MAX_STOP_LATENCY_MS, `the sink falls silent within ${MAX_STOP_LATENCY_MS} ms of the barge-in log, took ${latency} ms`);
  }

  const spokenOnStdout = /^rex: (.*) \(interrupted\)$/.exec(interrupted.text)?.[1] ?? "";
  const messages = server.requests[1]?.messages ?? [];
  t.same(
    messages.map((message) => message.role),
    ["system", "user", "assistant", "user"],
    `the next request has the interrupted turn and the interruption, got ${JSON.stringify(messages)}`,
  );
  const keptReply = String(messages[2]?.content ?? "");
  const keptWords = keptReply.split(/\s+/).filter(Boolean);
  const fullWords = longReply.split(/\s+/);
  t.comment(`kept ${keptWords.length} of ${fullWords.length} words: '${keptReply}'`);
  t.ok(keptWords.length > 0, "the kept reply has at least one word");
  t.ok(keptWords.length < fullWords.length, "the kept reply is shorter than the full reply");
  t.same(keptWords, fullWords.slice(0, keptWords.length), "the kept reply is the start of the full reply");
  t.equal(keptReply, spokenOnStdout, "stdout shows the kept reply before '(interrupted)'");
  t.match(normalize(String(messages[3]?.content)), /\bstop\b/, `the last user message is the interruption, got ${JSON.stringify(messages[3])}`);

  const exit = await rex.stop();
  t.equal(exit.code, 0, `rex exits with status 0 after SIGTERM, log:\n${rex.log}`);
});

/**
 * Starts `rex listen` with the sink's monitor as input (unless `args` names another) and the sink
 * as output, streams the monitor, and waits until rex logs "listening".
 */
async function startSession(t: Test, environment: Record<string, string>, args: string[] = ["--input-device", pulse.monitor]): Promise<Session> {
  const dataDir = await mkdtemp(join(pulse.dir, "data-"));
  const monitor = await pulse.streamMonitor();
  t.teardown(() => monitor.stop());
  const spawnedAt = performance.now();
  const rex = RexProcess.start(
    ["--no-wake", "--model", "tiny.en", "--output-device", pulse.sink, ...args],
    cliEnvironment(pulse.env, { REX_DATA_DIR: dataDir, ...environment }),
    pulse.dir,
  );
  t.teardown(() => rex.kill());
  await rex.waitForLog("listening", STARTUP_TIMEOUT_MS);
  t.comment(`rex was listening ${Math.round(performance.now() - spawnedAt)} ms after it started`);
  return { rex, monitor, dataDir, spawnedAt };
}

/**
 * Speaks one utterance into the sink once rex's chime for turn `turn` (counted from 1) has played,
 * and waits for the turn's "rex: " line. rex hears its own reply in the shared sink, and drops
 * what it captured while it spoke, so the test waits for the chime before it speaks.
 */
async function speakTurn(session: Session, wav: string, turn: number, options: { transcribe?: boolean } = {}): Promise<ObservedTurn> {
  const { rex, monitor } = session;
  const since = turn === 1 ? session.spawnedAt : rex.lines(/^rex: /)[turn - 2].receivedAt;
  const chimeHeard = await waitForChimeEnd(monitor.chunks, since, CHIME_SILENCE_MS, CHIME_TIMEOUT_MS);
  await pulse.play(wav);
  const questionEnd = performance.now();
  const replyLine = await rex.waitForLine(/^rex: /, TURN_TIMEOUT_MS, turn);
  const transcriptLine = rex.lines(/^you: /)[turn - 1];

  let spokenReply = "";
  if (options.transcribe !== false) {
    const audio = audioBetween(monitor.chunks, questionEnd, replyLine.receivedAt);
    if (audio.length > 0) spokenReply = (await transcriber.transcribe(audio, { language: "en" })).text;
  }
  return {
    chimeHeard,
    transcript: transcriptLine?.text.replace(/^you: /, "") ?? "",
    reply: replyLine.text.replace(/^rex: /, ""),
    spokenReply,
  };
}

/** Writes each turn's transcript, spoken reply and timings as test comments. */
function commentTurns(t: Test, session: Session, turns: ObservedTurn[]): void {
  turns.forEach((turn, index) => t.comment(`turn ${index + 1}: heard '${turn.transcript}', reply played as '${turn.spokenReply}'`));
  for (const record of session.rex.records("turn timings")) {
    t.comment(`turn timings in ms after the end of speech: ${JSON.stringify(record.timings)}${record.interrupted ? " (interrupted)" : ""}`);
  }
}

/**
 * Samples the thread count of process `pid` every 10 ms until stop() is called. The samples are
 * empty where /proc is not available.
 */
function sampleThreads(pid: number) {
  const samples: Array<{ at: number; count: number }> = [];
  const timer = setInterval(() => {
    const count = threadCount(pid);
    if (count !== undefined) samples.push({ at: performance.now(), count });
  }, 10);
  return { samples, stop: () => clearInterval(timer) };
}

function llmEnvironment(baseUrl: string): Record<string, string> {
  return { OPENAI_BASE_URL: baseUrl, OPENAI_API_KEY: "test-key", REX_LLM_MODEL: "test-model" };
}

/** Returns a tool call to `tool` for a request without tool results, and `text` for the follow-up request. */
function replyAfterTool(messages: MockMessage[], tool: string, text: string): string | MockToolCallReply {
  if (messages.at(-1)?.role === "tool") return text;
  return { toolCalls: [{ name: tool, arguments: {} }] };
}

/** Writes plugin modules, named by file, into a new folder and returns its path. */
async function writePlugins(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(pulse.dir, "plugins-"));
  for (const [name, source] of Object.entries(files)) await writeFile(join(dir, name), source);
  return dir;
}

/** Returns the non-empty lines of every transcript file under `dataDir`. */
async function readTranscriptLines(dataDir: string): Promise<string[]> {
  const root = join(dataDir, "transcripts");
  const files = (await readdir(root, { recursive: true })).filter((name) => name.endsWith(".jsonl"));
  const lines: string[] = [];
  for (const file of files) lines.push(...(await readFile(join(root, file), "utf8")).split("\n").filter(Boolean));
  return lines;
}

/** Returns a loopback port that nothing listens on: the system chose it for a server that is now closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("the probe server has no TCP address");
  return address.port;
}
