/**
 * Wake-phrase engine for any phrase, without training: the Silero VAD cuts the stream into
 * utterances and whisper transcribes the start of each one. The phrase wakes rex when whisper,
 * forced to read the phrase there, finds it about as likely as its own first choices (guided
 * scoring), or when its phonetic key matches the transcript's first words (transcript scoring).
 * The rest of the utterance becomes the command.
 */
import { Endpointer, type EndpointEvent } from "../audio/endpointer.js";
import { loadVad, type VadModel } from "../audio/vad.js";
import { RexError } from "../errors.js";
import { getLogger } from "../log.js";
import type { NativePhraseScore } from "../native/binding.js";
import { Transcriber, type Segment, type Transcript } from "../speech/transcriber.js";
import { matchPhraseAtStart, phoneticKey, textAfter } from "./phonetic.js";
import type { WakeDetection, WakeDetectorOptions, WakeWordDetector } from "./types.js";

const log = getLogger("wake");

/** Samples per VAD window: Silero scores 32 ms at a time. */
const VAD_FRAME_SAMPLES = 512;
/** Whisper tokens per second of speech that a command transcript may take, plus a fixed allowance. */
const TOKENS_PER_SECOND = 6;
const TOKEN_ALLOWANCE = 8;
/** Tokens per phrase word in the first pass; unusual names can take three tokens. */
const HEAD_TOKENS_PER_WORD = 3;
/** Audio of the first pass: this many seconds plus HEAD_SECONDS_PER_WORD per phrase word. */
const HEAD_SECONDS = 1;
const HEAD_SECONDS_PER_WORD = 0.5;
/** Utterances at most this much longer than the first pass are not transcribed again. */
const HEAD_SLACK_SAMPLES = 4800;
/** A new utterance that starts this soon after one cut at the length limit continues it. */
const CONTINUATION_SAMPLES = 1600;

/**
 * Scoring method of an utterance against the phrase. "guided": the geometric mean over the phrase's
 * tokens of each token's probability relative to whisper's most likely token at that step, with
 * the phrase's tokens forced (guided decoding). "transcript": phonetic similarity of the free
 * transcript's first words to the phrase.
 */
export type PhraseScoring = "guided" | "transcript";

export interface PhraseSpotterOptions extends WakeDetectorOptions {
  /** ggml Whisper model; a small English model such as tiny.en keeps the cost low. */
  whisperModelPath?: string;
  /** An already loaded model to use instead of `whisperModelPath`; close() leaves it loaded. */
  transcriber?: Transcriber;
  /** Silero VAD model in ggml format. */
  vadModelPath: string;
  /** CPU threads for whisper; default 1, because ggml threads spin while they wait for each other and waste CPU on a busy machine. */
  threads?: number;
  /** Passes the phrase to whisper as its prompt, which raises recall and also false accepts. */
  promptWithPhrase?: boolean;
  /** Scoring of each utterance; default "guided", which separated positives from near misses better. */
  scoring?: PhraseScoring;
  /** Silence that ends an utterance, in milliseconds; default 500. */
  endOfSpeechMs?: number;
  /** Maximum utterance length, in seconds; default 8. Speech beyond it is not checked for the phrase. */
  maxUtteranceSeconds?: number;
  /** Speech probability at or above which a VAD window counts as speech; default 0.5. */
  vadThreshold?: number;
  /** Called with each first-pass transcript, and the command when the phrase matched. */
  onTranscript?: (transcript: PhraseTranscript) => void;
}

/** Transcript and phrase score of one utterance. */
export interface PhraseTranscript {
  /** First-pass transcript of the start of the utterance. */
  text: string;
  /** Similarity of the start of the utterance to the phrase, in [0, 1], by the spotter's scoring. */
  score: number;
  startSample: number;
  endSample: number;
  /** Text after the phrase, when the score reached the threshold. */
  command?: string;
}

export const PHRASE_DEFAULTS = {
  refractorySeconds: 1,
  endOfSpeechMs: 500,
  maxUtteranceSeconds: 8,
  scoring: "guided" as PhraseScoring,
} as const;

/**
 * Default threshold of each scoring; the two scorings' scores are on different scales. On the
 * espeak-ng comparison subset with tiny.en, guided scoring at 0.2 rejected 69% of the positives
 * and accepted 2.2% of the near misses. Transcript scoring at 0.7 accepted 1.9% of the near
 * misses and rejected 94% of the positives.
 */
export const PHRASE_DEFAULT_THRESHOLDS: Readonly<Record<PhraseScoring, number>> = { transcript: 0.9, guided: 0.2 };

/** Checks that `phrase` is words of letters that give a phonetic key, and returns it tidied. */
export function normalizePhrase(phrase: string): string {
  const tidy = phrase.trim().replace(/\s+/g, " ");
  const words = tidy.split(" ");
  if (tidy.length === 0 || words.some((word) => !/^[a-zA-Z']+$/.test(word) || phoneticKey(word) === "")) {
    throw new RangeError(
      `wake phrase '${phrase}' must be words of letters, such as 'hey rex'; digits and symbols cannot be matched`,
    );
  }
  return tidy.toLowerCase();
}

/**
 * Spellings of a normalized phrase as whisper may write it at the start of a transcript: first
 * word capitalized, every word capitalized, a comma after the first word, or all lower case. Each
 * starts with a space, as whisper's text tokens do.
 */
export function phraseVariants(phrase: string): string[] {
  const words = phrase.split(" ");
  const capitalized = words.map(capitalize);
  const sentence = [capitalized[0]!, ...words.slice(1)];
  const spellings = [sentence, capitalized, words].flatMap((spelling) => {
    const plain = ` ${spelling.join(" ")}`;
    return spelling.length > 1 ? [plain, ` ${spelling[0]}, ${spelling.slice(1).join(" ")}`] : [plain];
  });
  return [...new Set(spellings)];
}

/** Returns the guided score in [0, 1]: the best variant's geometric mean of token probability relative to whisper's first choice. */
export function guidedScore(scores: readonly NativePhraseScore[] | undefined): number {
  if (!scores || scores.length === 0) return 0;
  return Math.max(...scores.map((score) => Math.exp(score.logProbabilityBelowBest / Math.max(1, score.tokens))));
}

/** Detects a spoken phrase with the VAD and whisper. Create it with {@link PhraseSpotter.load}. */
export class PhraseSpotter implements WakeWordDetector {
  readonly engine = "phrase";
  readonly phrases: readonly string[];

  private endpointer: Endpointer;
  private readonly threshold: number;
  private readonly refractorySamples: number;
  private readonly scoring: PhraseScoring;
  /** Spellings scored by guided decoding; empty with transcript scoring. */
  private readonly variants: string[];
  private pending = new Float32Array(VAD_FRAME_SAMPLES);
  private pendingLength = 0;
  private processed = 0;
  private refractoryUntil = 0;
  /** End sample of the last utterance cut at the length limit, or -1. */
  private cutAt = -1;
  private closed = false;

  private constructor(
    private readonly phrase: string,
    private readonly transcriber: Transcriber,
    private readonly ownsTranscriber: boolean,
    private readonly vad: VadModel,
    private readonly options: PhraseSpotterOptions,
  ) {
    this.phrases = [phrase];
    this.scoring = options.scoring ?? PHRASE_DEFAULTS.scoring;
    this.threshold = options.threshold ?? PHRASE_DEFAULT_THRESHOLDS[this.scoring];
    this.refractorySamples = Math.round((options.refractorySeconds ?? PHRASE_DEFAULTS.refractorySeconds) * 16000);
    this.variants = this.scoring === "guided" ? phraseVariants(phrase) : [];
    this.endpointer = this.createEndpointer();
  }

  /** Loads the VAD and, unless one is given, the Whisper model. */
  static async load(phrase: string, options: PhraseSpotterOptions): Promise<PhraseSpotter> {
    const normalized = normalizePhrase(phrase);
    const { threshold, refractorySeconds } = options;
    if (threshold !== undefined && !(threshold >= 0 && threshold <= 1)) {
      throw new RangeError(`threshold must be between 0 and 1, got ${threshold}`);
    }
    if (refractorySeconds !== undefined && !(refractorySeconds >= 0)) {
      throw new RangeError(`refractorySeconds must be 0 or more, got ${refractorySeconds}`);
    }
    if (options.scoring !== undefined && options.scoring !== "guided" && options.scoring !== "transcript") {
      throw new RangeError(`scoring must be "guided" or "transcript", got ${JSON.stringify(options.scoring)}`);
    }
    if (!options.transcriber && !options.whisperModelPath) {
      throw new TypeError("expected whisperModelPath or transcriber for the phrase wake-word engine");
    }
    const vad = await loadVad(options.vadModelPath, { threads: 1 });
    try {
      const transcriber =
        options.transcriber ??
        (await Transcriber.load(options.whisperModelPath!, { threads: options.threads ?? 1, useGpu: false }));
      return new PhraseSpotter(normalized, transcriber, !options.transcriber, vad, options);
    } catch (error) {
      vad.free();
      throw error;
    }
  }

  async process(chunk: Float32Array): Promise<WakeDetection[]> {
    if (!(chunk instanceof Float32Array)) throw new TypeError("expected 16 kHz mono PCM as a Float32Array");
    if (this.closed) throw new RexError("WAKE_FAILED", "the wake-word detector is closed; create a new one");
    const detections: WakeDetection[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      const count = Math.min(VAD_FRAME_SAMPLES - this.pendingLength, chunk.length - offset);
      this.pending.set(chunk.subarray(offset, offset + count), this.pendingLength);
      this.pendingLength += count;
      offset += count;
      if (this.pendingLength < VAD_FRAME_SAMPLES) break;
      this.pendingLength = 0;
      this.processed += VAD_FRAME_SAMPLES;
      // The endpointer keeps the frame it is given, so each frame needs its own copy.
      const events = await this.endpointer.push(this.pending.slice());
      for (const event of events) {
        const detection = await this.handle(event);
        if (detection) detections.push(detection);
      }
    }
    return detections;
  }

  reset(): void {
    // A new endpointer also restarts its sample count, which Endpointer.reset keeps.
    this.vad.reset();
    this.endpointer = this.createEndpointer();
    this.pendingLength = 0;
    this.processed = 0;
    this.refractoryUntil = 0;
    this.cutAt = -1;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.vad.free();
    if (this.ownsTranscriber) this.transcriber.free();
  }

  private createEndpointer(): Endpointer {
    return new Endpointer(this.vad, {
      threshold: this.options.vadThreshold ?? 0.5,
      endOfSpeechMs: this.options.endOfSpeechMs ?? PHRASE_DEFAULTS.endOfSpeechMs,
      maxUtteranceSeconds: this.options.maxUtteranceSeconds ?? PHRASE_DEFAULTS.maxUtteranceSeconds,
    });
  }

  private async handle(event: EndpointEvent): Promise<WakeDetection | undefined> {
    if (event.type !== "speechEnd") return undefined;
    const startSample = event.sample - event.utterance.length;
    const continues = this.cutAt >= 0 && startSample - this.cutAt <= CONTINUATION_SAMPLES;
    this.cutAt = event.reason === "maxLength" ? event.sample : -1;
    if (continues || startSample < this.refractoryUntil) return undefined;

    // The first pass reads only the start of the utterance with a few tokens, so speech without
    // the phrase costs one short decode however long it goes on.
    const words = this.phrase.split(" ").length;
    const headSamples = Math.round((HEAD_SECONDS + HEAD_SECONDS_PER_WORD * words) * 16000);
    const whole = event.utterance.length <= headSamples + HEAD_SLACK_SAMPLES;
    const head = whole ? event.utterance : event.utterance.subarray(0, headSamples);
    const headTokens = words * HEAD_TOKENS_PER_WORD + 2;
    const first = await this.transcribe(head, headTokens, this.variants);
    const match = matchPhraseAtStart(this.phrase, first.text);
    const score = this.scoring === "guided" ? guidedScore(first.phraseScores) : match.score;
    const heard: PhraseTranscript = { text: first.text, score, startSample, endSample: event.sample };
    this.options.onScore?.({ phrase: this.phrase, score, sample: event.sample });
    if (score < this.threshold) {
      this.options.onTranscript?.(heard);
      return undefined;
    }

    // The second pass transcribes the whole utterance for the command after the phrase, unless
    // the first pass already read all of it without running out of tokens.
    const complete = whole && tokenCount(first) < headTokens;
    const transcript = complete ? first : await this.transcribe(event.utterance);
    const commandMatch = complete ? match : matchPhraseAtStart(this.phrase, transcript.text);
    const command = textAfter(transcript.text, commandMatch);
    this.options.onTranscript?.({ ...heard, command });
    // The phrase ends where its last token ends; token times are in milliseconds.
    const phraseTokens = tokensWithin(transcript, commandMatch.restOffset);
    const phraseEndMs = phraseTokens.at(-1)?.end;
    const sample = phraseEndMs === undefined ? event.sample : Math.min(event.sample, startSample + Math.round(phraseEndMs * 16));
    this.refractoryUntil = event.sample + this.refractorySamples;
    log.debug({ phrase: this.phrase, score, text: transcript.text }, "wake phrase detected");
    return command.length > 0
      ? { phrase: this.phrase, score, sample, command, commandEndSample: event.sample }
      : { phrase: this.phrase, score, sample };
  }

  private async transcribe(utterance: Float32Array, maxTokens?: number, scorePhrases: string[] = []): Promise<Transcript> {
    const seconds = utterance.length / 16000;
    try {
      return await this.transcriber.transcribe(utterance, {
        language: "en",
        fitAudioContext: true,
        singleSegment: true,
        // A cap on tokens stops whisper from looping on a shrunk window. Retries at higher
        // temperatures are off because whisper.cpp samples five candidates per retry, which
        // cost seconds of CPU on single espeak-ng utterances.
        maxTokens: maxTokens ?? Math.ceil(seconds * TOKENS_PER_SECOND) + TOKEN_ALLOWANCE,
        temperatureIncrement: 0,
        initialPrompt: this.options.promptWithPhrase ? `${capitalize(this.phrase)}.` : undefined,
        scorePhrases: scorePhrases.length > 0 ? scorePhrases : undefined,
      });
    } catch (error) {
      throw new RexError("WAKE_FAILED", `transcribing a ${seconds.toFixed(1)} s utterance for the wake phrase failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}

function tokenCount(transcript: Transcript): number {
  return transcript.segments.reduce((sum, segment) => sum + segment.tokens.length, 0);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Returns the tokens that spell the first `textLength` characters of the transcript, found by
 * walking the token texts along the cleaned text. Tokens that do not line up end the walk.
 */
function tokensWithin(transcript: Transcript, textLength: number): Segment["tokens"] {
  const tokens = transcript.segments.flatMap((segment) => segment.tokens).filter((token) => !/^\[_|^<\|/.test(token.text));
  const within: Segment["tokens"] = [];
  let consumed = 0;
  for (const token of tokens) {
    const piece = token.text.trim();
    if (piece.length === 0) continue;
    const at = transcript.text.indexOf(piece, consumed);
    if (at < 0 || at >= textLength) break;
    consumed = at + piece.length;
    within.push(token);
  }
  return within;
}
