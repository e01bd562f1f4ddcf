import { performance } from "node:perf_hooks";

import type { FrameSource } from "../audio/reconnecting-capture.js";
import { SAMPLE_RATE } from "../audio/decode.js";
import type { Endpointer } from "../audio/endpointer.js";
import { PlaybackStream } from "../audio/playback-stream.js";
import { synthesizeTone } from "../audio/tone.js";
import { RexError } from "../errors.js";
import type { ChatMessage, Responder } from "../llm/types.js";
import { getLogger } from "../log.js";
import type { Transcriber } from "../speech/transcriber.js";
import type { Synthesizer } from "../tts/types.js";

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
  systemPrompt?: string;
  /** Shrink whisper's encoder window to each utterance (much faster on short commands). */
  fitAudioContext?: boolean;
  /** Play a short chime when listening starts. */
  acknowledgementTone?: boolean;
}

/** Milliseconds from the end of speech to each stage of a turn. */
export interface TurnTimings {
  transcript: number;
  reply: number;
  firstAudio: number;
}

export interface TurnResult {
  transcript: string;
  reply: string;
  timings: TurnTimings;
}

const DEFAULT_SYSTEM_PROMPT =
  "You are Rex, a helpful voice assistant. Answer in one to three short spoken sentences, without markdown.";

/** The conversation loop: listen for one utterance, transcribe it, reply, and speak the reply. */
export class Assistant {
  readonly history: ChatMessage[] = [];

  constructor(private readonly parts: AssistantParts) {}

  /** Waits for the next utterance; rejects with ABORTED when the signal fires first. */
  async listen(signal?: AbortSignal): Promise<Float32Array> {
    if (this.parts.acknowledgementTone) await this.play(synthesizeTone(), SAMPLE_RATE, signal);
    for await (const frame of this.parts.capture.frames(512, signal)) {
      for (const event of await this.parts.endpointer.push(frame)) {
        if (event.type === "speechStart") log.debug({ sample: event.sample }, "speech started");
        if (event.type === "speechEnd") {
          log.debug({ sample: event.sample, reason: event.reason, ms: (event.utterance.length / SAMPLE_RATE) * 1000 }, "speech ended");
          return event.utterance;
        }
      }
    }
    throw new RexError("ABORTED", "listening stopped before any speech was heard");
  }

  /** Runs one turn on an utterance. Returns undefined when it contained no words. */
  async respond(utterance: Float32Array, signal?: AbortSignal): Promise<TurnResult | undefined> {
    const endOfSpeech = performance.now();
    const since = () => Math.round(performance.now() - endOfSpeech);
    const transcript = await this.parts.transcriber.transcribe(utterance, {
      language: this.parts.language,
      fitAudioContext: this.parts.fitAudioContext,
      signal,
    });
    const transcriptMs = since();
    if (transcript.text === "") {
      log.info("no words recognised; listening again");
      return undefined;
    }
    log.info({ text: transcript.text, ms: transcriptMs }, "heard");

    this.history.push({ role: "user", content: transcript.text });
    const messages: ChatMessage[] = [{ role: "system", content: this.parts.systemPrompt ?? DEFAULT_SYSTEM_PROMPT }, ...this.history];
    const reply = await this.parts.responder.reply(messages, { signal });
    const replyMs = since();
    this.history.push({ role: "assistant", content: reply });
    log.info({ text: reply, ms: replyMs }, "reply");

    const speech = await this.parts.synthesizer.synthesize(reply, { ...this.parts.voice, signal });
    const firstAudioMs = since();
    await this.play(speech.pcm, speech.sampleRate, signal);
    return { transcript: transcript.text, reply, timings: { transcript: transcriptMs, reply: replyMs, firstAudio: firstAudioMs } };
  }

  private async play(pcm: Float32Array, sampleRate: number, signal?: AbortSignal): Promise<void> {
    if (pcm.length === 0) return;
    const playback = PlaybackStream.open({ device: this.parts.outputDevice, sampleRate });
    try {
      await playback.play(pcm, signal);
    } finally {
      playback.close();
    }
    // The microphone heard this audio too, so drop it: it is not the user's next turn.
    this.parts.capture.discardBuffered();
    this.parts.endpointer.reset();
  }
}
