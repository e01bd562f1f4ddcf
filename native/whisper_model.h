// A loaded whisper.cpp model, shared by the JavaScript object and the jobs that use it.
#pragma once

#include <napi.h>
#include <whisper.h>

#include <memory>
#include <mutex>
#include <string>

namespace rex {

// Owns a whisper context and one reusable decoding state. Jobs hold a shared_ptr, so free()
// on the JavaScript side never pulls the context from under a running transcription.
struct ModelHandle {
  whisper_context* context = nullptr;
  whisper_state* state = nullptr;
  std::mutex mutex;  // One transcription at a time uses `state`; later calls wait their turn.
  std::string path;
  bool useGpu = false;

  ~ModelHandle();
};

using ModelPtr = std::shared_ptr<ModelHandle>;

// loadModel(path: string, options: { useGpu, flashAttention, gpuDevice }): Promise<WhisperModel>
Napi::Value LoadModel(const Napi::CallbackInfo& info);

class WhisperModel : public Napi::ObjectWrap<WhisperModel> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit WhisperModel(const Napi::CallbackInfo& info);

 private:
  Napi::Value Transcribe(const Napi::CallbackInfo& info);
  Napi::Value Free(const Napi::CallbackInfo& info);
  Napi::Value IsFreed(const Napi::CallbackInfo& info);
  Napi::Value Info(const Napi::CallbackInfo& info);

  ModelPtr model_;
};

}  // namespace rex
