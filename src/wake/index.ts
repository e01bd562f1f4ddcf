/** Wake-word detection: the openWakeWord engine, the phrase engine and their benchmark. */
export { createWakeWordDetector, DEFAULT_WAKE_WORD, type CreateWakeWordOptions } from "./create.js";
export type { WakeDetection, WakeDetectorOptions, WakeScore, WakeWordDetector } from "./types.js";
export { OpenWakeWordDetector, OPENWAKEWORD_MODELS, OPENWAKEWORD_DEFAULTS, type OpenWakeWordOptions } from "./openwakeword.js";
export { PhraseSpotter, PHRASE_DEFAULTS, type PhraseSpotterOptions, type PhraseTranscript } from "./phrase-spotter.js";
export { benchWakeWord, type WakeWordBenchOptions } from "./bench.js";
