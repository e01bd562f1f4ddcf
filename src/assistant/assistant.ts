import { performance } from "node:perf_hooks";

import { SAMPLE_RATE } from "../audio/decode.js";
import type { Endpointer, EndpointEvent } from "../audio/endpointer.js";
import { PlaybackStream } from "../audio/playback-stream.js";
import type { FrameSource } from "../audio/reconnecting-capture.js";
import { synthesizeTone } from "../audio/tone.js";
import { isRexError, RexError } from "../errors.js";
import type { ChatMessage, Responder } from "../llm/types.js";
import { getLogger } from "../log.js";
import type { Transcriber } from "../speech/transcriber.js";
import type { Synthesizer } from "../tts/types.js";
import type { WakeWordDetector } from "../wake/types.js";
import { ConversationHistory, type HistoryLimits } from "./history.js";
import { SentenceSplitter } from "./sentences.js";
import { SpeechQueue } from "./speech-queue.js";

const log = getLogger("assistant");

export interface AssistantParts {
  capture: FrameSource;
  endpointer: Endpointer;
  transcriber: Transcriber;
  responder: Responder;
  synthesizer: Synthesizer;
  /** Playback device spec; the default device when unset. */
  outputDevice?: string;
  language?: string;
  voice?: { voice?: string; rate?: number };
  /** The assistant's name, used in the system prompt. */
  assistantName?: string;
  /** Facts about the user (name, preferences, notes), added to the system prompt. */
  userContext?: string;
  /** Replaces the whole default system prompt. */
  systemPrompt?: string;
  historyLimits?: HistoryLimits;
  /** Shrink whisper's encoder window to each utterance (much faster on short commands). */
  fitAudioContext?: boolean;
  /** Play a short chime when listening starts. */
  acknowledgementTone?: boolean;
  /**
   * Let speech during a reply stop it and start a new turn. Without echo cancellation the
   * microphone hears the reply itself, so use it with a headset.
   */
  bargeIn?: boolean;
  /** Wake-word detector; when set, each turn waits for it before listening for the command. */
  wakeWord?: WakeWordDetector;
  /** Clock for the system prompt; default: the system clock. */
  now?: () => Date;
}

/** Milliseconds from the end of speech to each stage of a turn. */
export interface TurnTimings {
  transcript: number;
  firstToken?: number;
  reply: number;
  firstAudio?: number;
  done: number;
}

/** What the user said: the audio of an utterance, or text already recognised with the wake phrase. */
export type Heard = { audio: Float32Array } | { text: string };

export interface TurnResult {
  transcript: string;
  /** The full reply text from the responder. */
  reply: string;
  /** Words actually spoken, shorter than `reply` when the user interrupted. */
  spoken: string;
  interrupted: boolean;
  timings: TurnTimings;
}

/** The conversation loop: listen for one utterance, transcribe it, reply, and speak the reply. */
export class Assistant {
  readonly history: ConversationHistory;
  /** Utterance already started by a barge-in, to be finished by the next listen(). */
  private bargedIn = false;

  constructor(private readonly parts: AssistantParts) {
    this.history = new ConversationHistory(parts.historyLimits);
  }

  /**
   * Waits for the wake word when one is configured, then for the user's command. A phrase wake
   * word said in one breath with the command ("hey rex, what time is it") returns the command as
   * text. Rejects with ABORTED when the signal fires first.
   */
  async listen(signal?: AbortSignal): Promise<Heard> {
    if (this.parts.wakeWord && !this.bargedIn) {
      const command = await this.waitForWakeWord(signal);
      if (command) return { text: command };
    }
    return { audio: await this.listenForUtterance(signal) };
  }

  private async listenForUtterance(signal?: AbortSignal): Promise<Float32Array> {
    if (this.parts.acknowledgementTone && !this.bargedIn) await this.playCue(synthesizeTone(), SAMPLE_RATE, signal);
    // Audio captured while the chime played was dropped, so only speech from here on counts.
    if (!this.bargedIn) log.info("waiting for speech");
    this.bargedIn = false;
    for await (const frame of this.parts.capture.frames(512, signal)) {
      for (const event of await this.parts.endpointer.push(frame)) {
        logEvent(event);
        if (event.type === "speechEnd") return event.utterance;
      }
    }
    throw new RexError("ABORTED", "listening stopped before any speech was heard");
  }

  /** Feeds the microphone to the wake-word detector until it fires; returns a command said with it. */
  private async waitForWakeWord(signal?: AbortSignal): Promise<string | undefined> {
    const detector = this.parts.wakeWord!;
    detector.reset();
    log.info({ wakeWord: detector.phrases.join(", ") }, "waiting for the wake word");
    for await (const frame of this.parts.capture.frames(512, signal)) {
      const detections = await detector.process(frame);
      if (detections.length === 0) continue;
      const detection = detections[0];
      log.info({ phrase: detection.phrase, score: Number(detection.score.toFixed(3)), command: detection.command }, "wake word");
      this.parts.endpointer.reset();
      return detection.command?.trim() || undefined;
    }
    throw new RexError("ABORTED", "listening stopped before the wake word was heard");
  }

  /** Runs one turn on what was heard. Returns undefined when it contained no words. */
  async respond(heard: Heard | Float32Array, signal?: AbortSignal): Promise<TurnResult | undefined> {
    const endOfSpeech = performance.now();
    const since = (time = performance.now()) => Math.round(time - endOfSpeech);
    const transcript = await this.recognise(heard instanceof Float32Array ? { audio: heard } : heard, signal);
    const transcriptMs = since();
    if (transcript.text === "") {
      log.info("no words recognised; listening again");
      return undefined;
    }
    log.info({ text: transcript.text, ms: transcriptMs }, "heard");
    this.history.add({ role: "user", content: transcript.text });

    const speech = new SpeechQueue({ synthesizer: this.parts.synthesizer, outputDevice: this.parts.outputDevice, voice: this.parts.voice, signal });
    const bargeIn = this.parts.bargeIn ? this.watchForBargeIn(speech, signal) : undefined;
    let firstToken: number | undefined;
    const splitter = new SentenceSplitter((sentence) => speech.enqueue(sentence));
    const reply = await this.ask(signal, (delta) => {
      firstToken ??= performance.now();
      splitter.push(delta);
    }).catch((error: unknown) => this.apologise(error, speech));
    splitter.flush();
    const replyMs = since();
    log.info({ text: reply, ms: replyMs }, "reply");

    const spoken = await speech.finish();
    await bargeIn?.stop();
    if (!spoken.interrupted) this.afterSpeaking();
    this.history.add({ role: "assistant", content: spoken.interrupted ? spoken.spokenText : reply });
    const timings: TurnTimings = {
      transcript: transcriptMs,
      firstToken: firstToken === undefined ? undefined : since(firstToken),
      reply: replyMs,
      firstAudio: spoken.firstAudioAt === undefined ? undefined : since(spoken.firstAudioAt),
      done: since(),
    };
    log.debug({ timings, interrupted: spoken.interrupted }, "turn timings");
    return { transcript: transcript.text, reply, spoken: spoken.spokenText, interrupted: spoken.interrupted, timings };
  }

  private async recognise(heard: Heard, signal?: AbortSignal): Promise<{ text: string }> {
    if ("text" in heard) return { text: heard.text };
    return this.parts.transcriber.transcribe(heard.audio, {
      language: this.parts.language,
      fitAudioContext: this.parts.fitAudioContext,
      signal,
    });
  }

  private async ask(signal: AbortSignal | undefined, onDelta: (text: string) => void): Promise<string> {
    const messages: ChatMessage[] = [{ role: "system", content: this.systemPrompt() }, ...this.history.recent()];
    return this.parts.responder.reply(messages, { signal, onDelta });
  }

  /** Speaks a short apology when the LLM fails, so the user is not left in silence. */
  private apologise(error: unknown, speech: SpeechQueue): string {
    if (!isRexError(error, "LLM_FAILED")) throw error;
    log.error({ err: error.message }, "the language model failed; apologising");
    const apology = "Sorry, I could not reach the language model. Please try again in a moment.";
    speech.enqueue(apology);
    return apology;
  }

  private systemPrompt(): string {
    if (this.parts.systemPrompt) return this.parts.systemPrompt;
    const name = this.parts.assistantName ?? "Rex";
    const now = (this.parts.now ?? (() => new Date()))();
    const lines = [
      `You are ${name}, a helpful voice assistant. Answer in one to three short spoken sentences, without markdown.`,
      `The current time is ${now.toString()}.`,
    ];
    if (this.parts.userContext) lines.push(this.parts.userContext);
    return lines.join("\n");
  }

  /**
   * Reads the microphone while the reply plays; speech stops the reply at once. The endpointer
   * keeps the started utterance, and the next listen() finishes it.
   */
  private watchForBargeIn(speech: SpeechQueue, signal?: AbortSignal) {
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    const watching = (async () => {
      for await (const frame of this.parts.capture.frames(512, controller.signal)) {
        const events = await this.parts.endpointer.push(frame);
        if (events.some((event) => event.type === "speechStart")) {
          log.info("speech during the reply: stopping playback");
          speech.stop();
          this.bargedIn = true;
          return;
        }
      }
    })();
    return {
      stop: async () => {
        controller.abort();
        signal?.removeEventListener("abort", onAbort);
        await watching.catch((error: unknown) => log.warn({ err: (error as Error).message }, "barge-in watch failed"));
      },
    };
  }

  /** Drops audio captured while the assistant spoke, because it is not the user's next turn. */
  private afterSpeaking(): void {
    if (this.parts.bargeIn) return;
    this.parts.capture.discardBuffered();
    this.parts.endpointer.reset();
  }

  private async playCue(pcm: Float32Array, sampleRate: number, signal?: AbortSignal): Promise<void> {
    const playback = PlaybackStream.open({ device: this.parts.outputDevice, sampleRate });
    try {
      await playback.play(pcm, { signal });
    } finally {
      playback.close();
    }
    this.afterSpeaking();
  }
}

function logEvent(event: EndpointEvent): void {
  if (event.type === "speechStart") log.debug({ sample: event.sample }, "speech started");
  else log.debug({ sample: event.sample, reason: event.reason, ms: (event.utterance.length / SAMPLE_RATE) * 1000 }, "speech ended");
}
