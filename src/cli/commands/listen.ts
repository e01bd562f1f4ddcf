import type { Command } from "commander";

import { Assistant } from "../../assistant/assistant.js";
import { Endpointer } from "../../audio/endpointer.js";
import { ReconnectingCapture } from "../../audio/reconnecting-capture.js";
import { loadVad } from "../../audio/vad.js";
import { loadSettings } from "../../config/load.js";
import type { Settings } from "../../config/schema.js";
import { RexError } from "../../errors.js";
import { createResponder } from "../../llm/select.js";
import { openMemory } from "../../memory/memory.js";
import { loadPlugins } from "../../plugins/load.js";
import { createWakeWordDetector, loadWakeVerifiers } from "../../wake/create.js";
import { pluginLoadArguments } from "../../plugins/settings.js";
import { getLogger } from "../../log.js";
import { Transcriber } from "../../speech/transcriber.js";
import { createSynthesizer } from "../../tts/select.js";
import { runAction, setUpLogging } from "../run.js";
import { resolveVadModel, resolveWhisperModel } from "../../models/resolve.js";

interface ListenFlags {
  once?: boolean;
  wake: boolean;
  wakeWord?: string;
  inputDevice?: string;
  outputDevice?: string;
  model?: string;
  language?: string;
}

export function registerListen(program: Command): void {
  program
    .command("listen")
    .description("run the assistant: listen, transcribe, reply and speak")
    .option("--once", "exit after one turn")
    .option("--no-wake", "start listening at once instead of waiting for the wake word")
    .option("-w, --wake-word <spec>", "wake word: openWakeWord model names (hey_jarvis, alexa, ...) or a phrase such as 'hey rex'")
    .option("-i, --input-device <device>", "capture device: index, id, name or part of a name")
    .option("-o, --output-device <device>", "playback device: index, id, name or part of a name")
    .option("-m, --model <model>", "Whisper model name or path to a ggml file")
    .option("-l, --language <code>", "spoken language code, or auto")
    .action(runAction(listen));
}

async function listen(flags: ListenFlags): Promise<number> {
  const settings = loadSettings(process.env, {
    model: flags.model,
    language: flags.language,
    inputDevice: flags.inputDevice,
    outputDevice: flags.outputDevice,
    wakeWord: flags.wakeWord,
  });
  setUpLogging(settings);
  const log = getLogger("listen");
  const stop = new AbortController();
  const onSignal = () => stop.abort(new RexError("ABORTED", "interrupted"));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  const assistant = await createAssistant(settings, flags.model !== undefined || Boolean(process.env.REX_MODEL), flags.wake);
  log.info({ llm: settings.llm.baseUrl ?? (settings.llm.apiKey ? "OpenAI" : "offline responder") }, "listening");
  try {
    do {
      const utterance = await withTimeout(assistant.listen(stop.signal), settings.listenTimeoutSeconds, flags.once);
      const turn = await assistant.respond(utterance, stop.signal).catch((error: unknown) => {
        // A failed turn (playback device gone, speech synthesis failed) ends --once; otherwise
        // rex reports it and keeps listening.
        if (flags.once || !(error instanceof RexError) || error.code === "ABORTED") throw error;
        log.error({ code: error.code, err: error.message }, "turn failed; listening again");
        return undefined;
      });
      if (!turn) continue;
      process.stdout.write(`you: ${turn.transcript}\nrex: ${turn.interrupted ? `${turn.spoken} (interrupted)` : turn.reply}\n`);
      await assistant.memory
        .recordTurn({ transcript: turn.transcript, reply: turn.interrupted ? turn.spoken : turn.reply, timings: definedTimings(turn) })
        .catch((error: unknown) => log.error({ err: (error as Error).message }, "cannot write the transcript"));
      log.debug({ timings: turn.timings }, "turn finished");
      if (flags.once) break;
    } while (!stop.signal.aborted);
  } catch (error) {
    if (!stop.signal.aborted) throw error;
  } finally {
    assistant.close();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  return 0;
}

async function createAssistant(settings: Settings, explicitModel: boolean, useWakeWord: boolean) {
  const memory = await openMemory({ root: settings.dataDir, user: settings.activeUser });
  const { dirs, options } = pluginLoadArguments(settings.plugins);
  const plugins = await loadPlugins(dirs, options);
  for (const error of plugins.loadErrors) getLogger("plugins").warn({ err: error.message }, "plugin skipped");

  const transcriber = await Transcriber.load(resolveWhisperModel(settings, explicitModel), {
    threads: settings.threads,
    useGpu: settings.useGpu,
    flashAttention: settings.flashAttention,
  });
  const vad = await loadVad(resolveVadModel(settings));
  const endpointer = new Endpointer(vad, {
    threshold: settings.vadThreshold,
    endOfSpeechMs: settings.endOfSpeechMs,
    preRollMs: settings.preRollMs,
    maxUtteranceSeconds: settings.maxUtteranceSeconds,
  });
  const verifiers = useWakeWord ? loadWakeVerifiers(settings.wakeWord, { paths: settings.wakeVerifiers, dataDir: settings.dataDir }) : [];
  if (verifiers.length > 0) getLogger("wake").info({ models: verifiers.map((verifier) => verifier.model) }, "speaker verifier enrolled");
  const wakeWord = useWakeWord
    ? await createWakeWordDetector(settings.wakeWord, {
        threshold: settings.wakeThreshold,
        verifiers,
        transcriber,
        vadModelPath: resolveVadModel(settings),
        threads: settings.threads,
      })
    : undefined;
  const capture = new ReconnectingCapture({ device: settings.inputDevice });
  // The espeak-ng voice and rate; the other engines take their voice from their own settings.
  const voice =
    settings.tts.provider === "espeak"
      ? { voice: memory.profile.voice?.voice ?? settings.tts.voice, rate: memory.profile.voice?.rate ?? settings.tts.rate }
      : undefined;
  const assistant = new Assistant({
    capture,
    endpointer,
    transcriber,
    responder: createResponder({ ...settings.llm, plugins }),
    synthesizer: createSynthesizer(settings.tts, settings.llm),
    outputDevice: settings.outputDevice,
    language: settings.language,
    voice,
    userContext: await memory.promptContext(),
    acknowledgementTone: settings.acknowledgementTone,
    fitAudioContext: settings.fitAudioContext,
    bargeIn: settings.bargeIn,
    historyLimits: { maxTurns: settings.historyTurns, maxTokens: settings.historyTokens },
    wakeWord,
  });
  return Object.assign(assistant, {
    memory,
    close() {
      void wakeWord?.close();
      capture.close();
      transcriber.free();
      vad.free();
    },
  });
}

/** With --once, a turn that hears no speech in time fails instead of waiting forever. */
async function withTimeout<T>(promise: Promise<T>, seconds: number, enabled?: boolean): Promise<T> {
  if (!enabled) return promise;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new RexError("ABORTED", `no speech heard within ${seconds} s: check the input device with \`rex devices\``)),
      seconds * 1000,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Returns the stage times that were reached (a turn without audio has no firstAudio). */
function definedTimings(turn: { timings: object }): Record<string, number> {
  return Object.fromEntries(Object.entries(turn.timings).filter(([, value]) => typeof value === "number"));
}
