import { EspeakSynthesizer } from "./espeak.js";
import { OpenAISpeechSynthesizer } from "./openai-speech.js";
import { PiperSynthesizer } from "./piper.js";
import type { Synthesizer } from "./types.js";

export interface SynthesizerSettings {
  provider: "espeak" | "openai" | "piper";
  /** OpenAI-compatible speech server; default: the LLM server. */
  baseUrl?: string;
  apiKey?: string;
  model?: string;
  openaiVoice?: string;
  piperBinary?: string;
  piperModel?: string;
  piperSampleRate?: number;
}

/** Creates the configured speech synthesizer; `llm` supplies the server for the openai provider when unset. */
export function createSynthesizer(settings: SynthesizerSettings, llm: { baseUrl?: string; apiKey?: string } = {}): Synthesizer {
  switch (settings.provider) {
    case "openai": {
      const baseUrl = settings.baseUrl ?? llm.baseUrl;
      if (!baseUrl) throw new RangeError("REX_TTS_PROVIDER=openai needs REX_TTS_BASE_URL or OPENAI_BASE_URL");
      const apiKey = settings.apiKey ?? llm.apiKey ?? "not-needed";
      return new OpenAISpeechSynthesizer({ baseUrl, apiKey, model: settings.model, voice: settings.openaiVoice });
    }
    case "piper":
      if (!settings.piperModel) throw new RangeError("REX_TTS_PROVIDER=piper needs REX_PIPER_MODEL (a voice .onnx file)");
      return new PiperSynthesizer({
        binary: settings.piperBinary ?? "piper",
        model: settings.piperModel,
        sampleRate: settings.piperSampleRate,
      });
    default:
      return new EspeakSynthesizer();
  }
}
