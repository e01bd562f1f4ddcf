// Capture from an audio device as a stream of 16 kHz mono float samples.
//
// The device runs at its own rate, format and channel count. The audio callback downmixes by
// averaging, resamples to 16 kHz and writes into a ring buffer; JavaScript drains the ring with
// read(). When the ring is full, new samples are dropped and counted as an overrun.
#pragma once

#include <miniaudio.h>
#include <napi.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "devices.h"
#include "resampler.h"
#include "ring_buffer.h"

namespace rex {

class Capture : public Napi::ObjectWrap<Capture> {
 public:
  static Napi::Function Define(Napi::Env env);
  // new Capture({ deviceIndex?: number, deviceName?: string, bufferSeconds?: number })
  explicit Capture(const Napi::CallbackInfo& info);
  ~Capture() override;

 private:
  static void OnData(ma_device* device, void* output, const void* input, ma_uint32 frameCount);
  static void OnNotification(const ma_device_notification* notification);
  void Consume(const float* input, ma_uint32 frameCount);

  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value Stop(const Napi::CallbackInfo& info);
  Napi::Value Read(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  void CloseDevice();

  ContextPtr context_;
  ma_device device_{};
  bool deviceOpen_ = false;
  std::string deviceName_;
  uint32_t channels_ = 0;
  uint32_t sampleRate_ = 0;
  Resampler resampler_;
  std::unique_ptr<RingBuffer> ring_;
  std::vector<float> mono_;       // callback scratch: one downmixed chunk
  std::vector<float> resampled_;  // callback scratch: that chunk at 16 kHz
  std::atomic<uint64_t> capturedSamples_{0};
  std::atomic<uint64_t> droppedSamples_{0};
  std::atomic<uint64_t> overruns_{0};
  std::atomic<bool> stopRequested_{false};
  std::atomic<bool> stoppedUnexpectedly_{false};
};

}  // namespace rex
