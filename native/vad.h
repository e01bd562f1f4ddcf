// whisper.cpp's Silero voice activity detector, loaded once and shared by its jobs.
#pragma once

#include <napi.h>
#include <whisper.h>

#include <memory>
#include <mutex>

namespace rex {

struct VadHandle {
  whisper_vad_context* context = nullptr;
  std::mutex mutex;  // the LSTM state belongs to one stream at a time
  ~VadHandle();
};

using VadPtr = std::shared_ptr<VadHandle>;

// loadVad(path: string, options?: { threads }): Promise<VadModel>
Napi::Value LoadVad(const Napi::CallbackInfo& info);

class VadModel : public Napi::ObjectWrap<VadModel> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit VadModel(const Napi::CallbackInfo& info);

 private:
  // detect(pcm: Float32Array, keepState: boolean): Promise<Float32Array> of speech probabilities,
  // one per 512-sample window. keepState carries the LSTM state over from the previous call.
  Napi::Value Detect(const Napi::CallbackInfo& info);
  // segments(pcm: Float32Array, params): Promise<{ start, end }[]> in milliseconds.
  Napi::Value Segments(const Napi::CallbackInfo& info);
  Napi::Value Reset(const Napi::CallbackInfo& info);
  Napi::Value Free(const Napi::CallbackInfo& info);

  VadPtr vad_;
};

}  // namespace rex
