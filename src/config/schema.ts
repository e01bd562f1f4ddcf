import { availableParallelism } from "node:os";

import { z } from "zod";

import { DEFAULT_MODEL, DEFAULT_VAD_MODEL } from "../models/catalog.js";
import { pluginSettingsSchema } from "../plugins/settings.js";

const logLevels = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

/** Every rex setting with its default. Units are in the names: Ms for milliseconds, Seconds. */
export const settingsSchema = z.object({
  /** Whisper model: a catalog name such as "base.en" or a path to a ggml file. */
  model: z.string().min(1).default(DEFAULT_MODEL),
  /** Folder for downloaded models; default under the user's cache folder. */
  modelsDir: z.string().min(1),
  /** Silero VAD model: a catalog name or a path to a ggml file. */
  vadModel: z.string().min(1).default(DEFAULT_VAD_MODEL),
  /**
   * CPU threads for whisper. The default leaves one core for capture, VAD and Node: on two busy
   * cores, two whisper threads made a short decode take seconds instead of 77 ms here.
   */
  threads: z.number().int().min(1).max(256).default(Math.max(1, Math.min(4, availableParallelism() - 1))),
  /** Spoken language code, or "auto". */
  language: z.string().regex(/^([a-z]{2,3}|auto)$/, "a language code such as en, or auto").default("en"),
  useGpu: z.boolean().default(true),
  /**
   * Flash attention in whisper. On the CPU it lowered base's peak memory from 403 to 314 MB and an
   * 11 s transcription from about 2.0 to 1.5 s (2 threads, AVX2). It is off by default because
   * whisper.cpp 1.9.1 then reads stale padding rows, which garbled base's fitted-window transcripts,
   * and the rounding that avoids them makes short commands slower.
   */
  flashAttention: z.boolean().default(false),
  /** In the assistant, shrink whisper's 30 s encoder window to each utterance plus 2.56 s. */
  fitAudioContext: z.boolean().default(true),
  /** Capture device: index, exact name or part of a name; default device when unset. */
  inputDevice: z.string().optional(),
  outputDevice: z.string().optional(),
  /** Speech probability above which a 32 ms frame counts as speech. */
  vadThreshold: z.number().min(0.05).max(0.95).default(0.5),
  /** Silence after speech that ends an utterance. */
  endOfSpeechMs: z.number().int().min(100).max(5000).default(600),
  /** Audio kept from before speech started, so the first syllable is not cut. */
  preRollMs: z.number().int().min(0).max(2000).default(300),
  maxUtteranceSeconds: z.number().min(1).max(120).default(15),
  /** Let speech during a reply stop it (best with a headset: there is no echo cancellation). */
  bargeIn: z.boolean().default(false),
  /** Conversation history sent to the LLM: most recent exchanges, and an approximate token budget. */
  historyTurns: z.number().int().min(0).max(1000).default(10),
  historyTokens: z.number().int().min(100).max(1_000_000).default(2000),
  /**
   * Wake word: openWakeWord model names (hey_jarvis, alexa, hey_mycroft, ...; comma-separated for
   * several) or any phrase such as "hey rex", spotted with whisper.
   */
  wakeWord: z.string().min(1).default("hey_jarvis"),
  /** Minimum wake-word score in [0, 1]; the engine's own default when unset. */
  wakeThreshold: z.number().min(0).max(1).optional(),
  /**
   * Speaker verifier files from `rex wake enroll`, for openWakeWord models. When unset, rex uses
   * the file enrollment writes by default for each model, if there is one.
   */
  wakeVerifiers: z.array(z.string().min(1)).optional(),
  /** Play a short chime when the assistant starts listening. */
  acknowledgementTone: z.boolean().default(true),
  /** How long to wait for speech to start before giving up a turn. */
  listenTimeoutSeconds: z.number().min(1).max(86400).default(30),
  llm: z
    .object({
      baseUrl: z.string().url().optional(),
      apiKey: z.string().optional(),
      model: z.string().min(1).default("gpt-4o-mini"),
      timeoutMs: z.number().int().min(1000).max(600000).default(30000),
    })
    .prefault({}),
  tts: z
    .object({
      /** Speech engine: espeak-ng (offline), an OpenAI-compatible speech server, or Piper. */
      provider: z.enum(["espeak", "openai", "piper"]).default("espeak"),
      /** OpenAI-compatible speech server; default: the LLM server. */
      baseUrl: z.string().url().optional(),
      apiKey: z.string().optional(),
      model: z.string().min(1).default("tts-1"),
      openaiVoice: z.string().min(1).default("alloy"),
      piperBinary: z.string().min(1).default("piper"),
      piperModel: z.string().min(1).optional(),
      piperSampleRate: z.number().int().min(8000).max(48000).default(22050),
      voice: z.string().regex(/^[A-Za-z0-9+_-]{1,40}$/, "an espeak-ng voice name such as en-us").default("en-us"),
      /** Speaking rate in words per minute. */
      rate: z.number().int().min(80).max(500).default(175),
    })
    .prefault({}),
  plugins: pluginSettingsSchema,
  /** Profile used for memory and transcripts: a profile folder name or one of its aliases. */
  activeUser: z.string().min(1).default("default"),
  /** Folder for Memory/ and transcripts/; default under the user's data folder. */
  dataDir: z.string().min(1),
  logLevel: z.enum(logLevels).default("info"),
  logFile: z.string().optional(),
});

export type Settings = z.infer<typeof settingsSchema>;
export type SettingsInput = z.input<typeof settingsSchema>;
