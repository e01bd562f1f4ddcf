/** Per-user memory: profiles, notes, history log, transcripts and history export. */
export { openMemory, findProfile, UserMemory, type OpenMemoryOptions, type ProfileLocation } from "./memory.js";
export { coreProfileSchema, readProfile, PROFILE_VERSION, type CoreProfile, type CoreProfileInput } from "./profile.js";
export { appendTranscript, readTranscripts, transcriptsDir, type TranscriptLine, type TranscriptTurn } from "./transcripts.js";
export { exportHistory, type ExportHistoryOptions } from "./export.js";
export { validateUserName } from "./user-name.js";
