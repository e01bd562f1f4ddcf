// Playback of float PCM to an audio device, as a stream that can be cleared at once.
//
// JavaScript writes mono samples at the stream's rate into a ring buffer; the audio callback
// reads them and miniaudio converts to the device's rate and channels. clear() makes the
// callback drop everything queued on its next period, which is how barge-in stops speech.
#pragma once

#include <miniaudio.h>
#include <napi.h>

#include <atomic>
#include <memory>
#include <string>

#include "devices.h"
#include "ring_buffer.h"

namespace rex {

class Playback : public Napi::ObjectWrap<Playback> {
 public:
  static Napi::Function Define(Napi::Env env);
  // new Playback({ sampleRate: number, deviceIndex?, deviceName?, bufferSeconds? })
  explicit Playback(const Napi::CallbackInfo& info);
  ~Playback() override;

 private:
  static void OnData(ma_device* device, void* output, const void* input, ma_uint32 frameCount);
  void Fill(float* output, ma_uint32 frameCount);

  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value Write(const Napi::CallbackInfo& info);
  Napi::Value Clear(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  void CloseDevice();

  ContextPtr context_;
  ma_device device_{};
  bool deviceOpen_ = false;
  std::string deviceName_;
  uint32_t sampleRate_ = 16000;
  std::unique_ptr<RingBuffer> ring_;
  std::atomic<bool> clearRequested_{false};
  std::atomic<uint64_t> playedSamples_{0};
  std::atomic<uint64_t> underruns_{0};
};

}  // namespace rex
