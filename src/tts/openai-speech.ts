import { OpenAI } from "openai";

import { RexError } from "../errors.js";
import { cleanTextForSpeech } from "./clean-text.js";
import { decodeWavPcm16 } from "./espeak.js";
import type { SynthesisOptions, SynthesizedAudio, Synthesizer } from "./types.js";

export interface OpenAISpeechOptions {
  baseUrl: string;
  apiKey: string;
  /** Speech model, such as "tts-1" or "gpt-4o-mini-tts". */
  model?: string;
  /** Default voice, such as "alloy". */
  voice?: string;
  timeoutMs?: number;
}

/**
 * Speech from an OpenAI-compatible `/audio/speech` endpoint through the `openai` package. The
 * reply is requested as 16-bit WAV and decoded here; the rate option is not sent (words per
 * minute have no equivalent in that API).
 */
export class OpenAISpeechSynthesizer implements Synthesizer {
  readonly #client: OpenAI;
  readonly #model: string;
  readonly #voice: string;
  readonly #baseUrl: string;

  constructor(options: OpenAISpeechOptions) {
    this.#baseUrl = options.baseUrl;
    this.#model = options.model ?? "tts-1";
    this.#voice = options.voice ?? "alloy";
    this.#client = new OpenAI({
      baseURL: options.baseUrl,
      apiKey: options.apiKey,
      organization: null,
      project: null,
      timeout: options.timeoutMs ?? 30_000,
      maxRetries: 1,
    });
  }

  async synthesize(text: string, options: SynthesisOptions = {}): Promise<SynthesizedAudio> {
    const cleaned = cleanTextForSpeech(text);
    if (cleaned === "") return { pcm: new Float32Array(0), sampleRate: 24000 };
    try {
      const response = await this.#client.audio.speech.create(
        { model: this.#model, voice: options.voice ?? this.#voice, input: cleaned, response_format: "wav" },
        { signal: options.signal },
      );
      return decodeWavPcm16(Buffer.from(await response.arrayBuffer()));
    } catch (error) {
      options.signal?.throwIfAborted();
      const reason = (error as Error).message;
      throw new RexError(
        "TTS_FAILED",
        `speech request to ${this.#baseUrl} (model "${this.#model}") failed: ${reason}. ` +
          "Check REX_TTS_BASE_URL and REX_TTS_MODEL, or set REX_TTS_PROVIDER=espeak.",
        { cause: error },
      );
    }
  }
}
