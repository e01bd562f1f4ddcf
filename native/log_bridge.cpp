#include "log_bridge.h"

#include <ggml.h>
#include <whisper.h>

#include <atomic>
#include <mutex>

namespace rex {
namespace {

struct LogLine {
  int level;
  std::string text;
};

std::mutex handlerMutex;
Napi::ThreadSafeFunction handler;
bool hasHandler = false;
std::atomic<int> minLevel{GGML_LOG_LEVEL_WARN};

// ggml sends a long line in parts: the first with its level, the rest as GGML_LOG_LEVEL_CONT.
thread_local std::string pendingText;
thread_local int pendingLevel = GGML_LOG_LEVEL_INFO;
thread_local std::string lastError;

void Deliver(int level, std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.empty()) return;
  if (level == GGML_LOG_LEVEL_ERROR) lastError = text;
  if (level < minLevel.load()) return;

  std::lock_guard<std::mutex> lock(handlerMutex);
  if (!hasHandler) return;
  auto* line = new LogLine{level, std::move(text)};
  napi_status status = handler.NonBlockingCall(line, [](Napi::Env env, Napi::Function fn, LogLine* data) {
    if (env != nullptr && fn != nullptr) {
      fn.Call({Napi::Number::New(env, data->level), Napi::String::New(env, data->text)});
    }
    delete data;
  });
  if (status != napi_ok) delete line;
}

void OnNativeLog(ggml_log_level level, const char* text, void* /*userData*/) {
  if (text == nullptr) return;
  if (level == GGML_LOG_LEVEL_CONT) {
    pendingText += text;
  } else {
    if (!pendingText.empty()) Deliver(pendingLevel, std::move(pendingText));
    pendingText = text;
    pendingLevel = level;
  }
  if (!pendingText.empty() && pendingText.back() == '\n') {
    Deliver(pendingLevel, std::move(pendingText));
    pendingText.clear();
  }
}

}  // namespace

void LogNativeLine(int level, const std::string& text) { Deliver(level, text); }

void InstallLogBridge() {
  whisper_log_set(OnNativeLog, nullptr);
  ggml_log_set(OnNativeLog, nullptr);
}

Napi::Value SetLogHandler(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() > 1 && info[1].IsNumber()) minLevel.store(info[1].As<Napi::Number>().Int32Value());

  std::lock_guard<std::mutex> lock(handlerMutex);
  if (hasHandler) {
    handler.Release();
    hasHandler = false;
  }
  if (info.Length() > 0 && info[0].IsFunction()) {
    handler = Napi::ThreadSafeFunction::New(env, info[0].As<Napi::Function>(), "rex.log", 0, 1);
    // A log handler alone must not keep the process alive.
    handler.Unref(env);
    hasHandler = true;
  }
  return env.Undefined();
}

std::string LastErrorOnThread() { return lastError; }

void ClearLastErrorOnThread() { lastError.clear(); }

}  // namespace rex
