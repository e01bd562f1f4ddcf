/**
 * rex's library API: speech recognition with whisper.cpp, audio devices and file decoding with
 * miniaudio, voice activity detection, wake words, and the pieces of the conversation loop.
 */
export { RexError, isRexError, type RexErrorCode } from "./errors.js";
export { configureLogger, getLogger, type LoggerOptions } from "./log.js";

export { loadSettings, ENVIRONMENT_SETTINGS } from "./config/load.js";
export { settingsSchema, type Settings, type SettingsInput } from "./config/schema.js";

export { decodeAudioFile, SAMPLE_RATE, type DecodedAudio } from "./audio/decode.js";
export { listDevices, resolveDevice, type DeviceInfo, type DeviceKind } from "./audio/devices.js";
export { CaptureStream, DEFAULT_FRAME_SAMPLES, type CaptureOptions } from "./audio/capture-stream.js";
export { PlaybackStream, type PlaybackOptions, type PlayResult } from "./audio/playback-stream.js";
export { ReconnectingCapture, type FrameSource, type ReconnectingCaptureEvents } from "./audio/reconnecting-capture.js";
export { synthesizeTone, ACKNOWLEDGEMENT_NOTES, type Note } from "./audio/tone.js";
export { loadVad, type VadModel } from "./audio/vad.js";
export { Endpointer, DEFAULT_ENDPOINTER_OPTIONS, type EndpointerOptions, type EndpointEvent } from "./audio/endpointer.js";

export { Transcriber, type Transcript, type TranscribeOptions, type LoadOptions, type Segment } from "./speech/transcriber.js";
export { cleanTranscript } from "./speech/text.js";

export { MODEL_CATALOG, DEFAULT_MODEL, DEFAULT_VAD_MODEL, findModel, type ModelEntry } from "./models/catalog.js";
export { modelsDir, resolveModelFile, installedModels } from "./models/store.js";
export { pullModel, type PullOptions, type DownloadProgress } from "./models/download.js";

export { createWakeWordDetector, DEFAULT_WAKE_WORD, loadWakeVerifiers, type CreateWakeWordOptions } from "./wake/create.js";
export { OpenWakeWordDetector, OPENWAKEWORD_MODELS, OPENWAKEWORD_DEFAULTS, type FrameFeatures } from "./wake/openwakeword.js";
export { enroll, MIN_RECORDINGS, type EnrollOptions, type Enrollment } from "./wake/enroll.js";
export { readVerifier, writeVerifier, defaultVerifierPath, verifierProbability, VERIFIER_DEFAULTS, type WakeVerifier } from "./wake/verifier.js";
export {
  PhraseSpotter,
  PHRASE_DEFAULTS,
  PHRASE_DEFAULT_THRESHOLDS,
  type PhraseScoring,
  type PhraseSpotterOptions,
  type PhraseTranscript,
} from "./wake/phrase-spotter.js";
export type { WakeDetection, WakeDetectorOptions, WakeScore, WakeWordDetector } from "./wake/types.js";

export { createResponder, type ResponderSettings } from "./llm/select.js";
export { OfflineResponder } from "./llm/offline-responder.js";
export { OpenAIResponder } from "./llm/openai-responder.js";
export type { ChatMessage, Responder, ReplyOptions } from "./llm/types.js";
export { EspeakSynthesizer } from "./tts/espeak.js";
export type { Synthesizer, SynthesisOptions, SynthesizedAudio } from "./tts/types.js";

export { Assistant, type AssistantParts, type TurnResult, type TurnTimings } from "./assistant/assistant.js";
export { ConversationHistory, type HistoryLimits } from "./assistant/history.js";
export { SentenceSplitter } from "./assistant/sentences.js";
export { SpeechQueue, type SpokenReply } from "./assistant/speech-queue.js";

export * from "./plugins/index.js";
export * from "./memory/index.js";
export { runChecks, type CheckResult } from "./doctor/checks.js";

import { native } from "./native/binding.js";

/** Versions of the embedded engines and the compute backends built into the addon. */
export function engineInfo(): { whisper: string; miniaudio: string; backends: string[]; system: string } {
  const addon = native();
  return { ...addon.versions, backends: addon.backends, system: addon.systemInfo() };
}
