// Routes ggml and whisper log lines to a JavaScript handler instead of stderr.
#pragma once

#include <napi.h>

#include <string>

namespace rex {

// Installs whisper's and ggml's log callbacks. Until JavaScript sets a handler, lines are dropped.
void InstallLogBridge();

// setLogHandler(handler: ((level: number, text: string) => void) | null, minLevel: number).
// Levels are ggml's: 1 debug, 2 info, 3 warn, 4 error.
Napi::Value SetLogHandler(const Napi::CallbackInfo& info);

// Sends one line from another native library (ALSA, for example) through the same route.
void LogNativeLine(int level, const std::string& text);

// Returns the last error-level line logged on the calling thread since ClearLastError(), so a
// worker can add whisper's own reason to the message it rejects with.
std::string LastErrorOnThread();
void ClearLastErrorOnThread();

}  // namespace rex
