#include "capture.h"

#include <algorithm>

#include "worker_base.h"

namespace rex {
namespace {

constexpr uint32_t kOutputRate = 16000;
constexpr size_t kChunkFrames = 2048;  // device frames handled per callback step
// How long close() waits for the backend to release a device before giving up on it.
constexpr int kCloseTimeoutMs = 1000;

}  // namespace

Napi::Function Capture::Define(Napi::Env env) {
  return DefineClass(env, "Capture",
                     {InstanceMethod<&Capture::Start>("start"), InstanceMethod<&Capture::Stop>("stop"),
                      InstanceMethod<&Capture::Read>("read"), InstanceMethod<&Capture::Stats>("stats"),
                      InstanceMethod<&Capture::Close>("close")});
}

Capture::Capture(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Capture>(info) {
  Napi::Env env = info.Env();
  DeviceSelection selection = ParseDeviceSelection(env, info.Length() > 0 ? info[0] : env.Undefined());
  context_ = CreateContext(env);
  ma_device_id id;
  const bool hasId = FindDevice(env, context_.get(), ma_device_type_capture, selection.index, selection.name, &id);

  ma_device_config config = ma_device_config_init(ma_device_type_capture);
  config.capture.pDeviceID = hasId ? &id : nullptr;
  config.capture.format = ma_format_f32;
  config.capture.channels = 0;  // the device's own count
  config.sampleRate = 0;        // the device's own rate
  // 20 ms periods: with 10 ms ones, PulseAudio's 30 ms record queue overflowed on a busy machine.
  config.periodSizeInMilliseconds = 20;
  config.periods = 4;
  config.dataCallback = OnData;
  config.notificationCallback = OnNotification;
  config.pUserData = this;
  ma_result result = ma_device_init(context_.get(), &config, &device_);
  if (result != MA_SUCCESS) {
    throw MakeCodedError(env, "AUDIO_DEVICE_OPEN_FAILED", OpenFailureMessage("capture", selection.name, result));
  }
  deviceOpen_ = true;
  deviceName_ = device_.capture.name;
  channels_ = device_.capture.channels;
  sampleRate_ = device_.sampleRate;

  resampler_.Configure(sampleRate_, kOutputRate, kChunkFrames);
  mono_.resize(kChunkFrames);
  resampled_.resize(resampler_.MaxOutput(kChunkFrames) + 8);
  ring_ = std::make_unique<RingBuffer>(size_t(selection.bufferSeconds * kOutputRate));
}

Capture::~Capture() { CloseDevice(); }

void Capture::OnData(ma_device* device, void* /*output*/, const void* input, ma_uint32 frameCount) {
  auto* self = static_cast<Capture*>(device->pUserData);
  if (input != nullptr) self->Consume(static_cast<const float*>(input), frameCount);
}

// Runs on the audio thread: no allocation, no locks, no JavaScript.
void Capture::Consume(const float* input, ma_uint32 frameCount) {
  for (ma_uint32 offset = 0; offset < frameCount; offset += kChunkFrames) {
    const size_t frames = std::min<size_t>(kChunkFrames, frameCount - offset);
    const float* chunk = input + size_t(offset) * channels_;
    for (size_t frame = 0; frame < frames; frame++) {
      float sum = 0.0f;
      for (uint32_t channel = 0; channel < channels_; channel++) sum += chunk[frame * channels_ + channel];
      mono_[frame] = sum / float(channels_);
    }
    const size_t produced = resampler_.Process(mono_.data(), frames, resampled_.data(), resampled_.size());
    const size_t written = ring_->Write(resampled_.data(), produced);
    capturedSamples_.fetch_add(produced, std::memory_order_relaxed);
    if (written < produced) {
      droppedSamples_.fetch_add(produced - written, std::memory_order_relaxed);
      overruns_.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

void Capture::OnNotification(const ma_device_notification* notification) {
  auto* self = static_cast<Capture*>(notification->pDevice->pUserData);
  if (notification->type == ma_device_notification_type_stopped && !self->stopRequested_.load()) {
    self->stoppedUnexpectedly_.store(true);
  }
}

Napi::Value Capture::Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!deviceOpen_) throw MakeCodedError(env, "AUDIO_DEVICE_CLOSED", "the capture device was closed");
  stopRequested_.store(false);
  stoppedUnexpectedly_.store(false);
  ma_result result = ma_device_start(&device_);
  if (result != MA_SUCCESS) {
    throw MakeCodedError(env, "AUDIO_DEVICE_START_FAILED",
                         "cannot start capture from '" + deviceName_ + "': " + ma_result_description(result));
  }
  return env.Undefined();
}

Napi::Value Capture::Stop(const Napi::CallbackInfo& info) {
  if (deviceOpen_) {
    stopRequested_.store(true);
    ma_device_stop(&device_);
  }
  return info.Env().Undefined();
}

// read(maxSamples?: number): Float32Array with the samples available now, possibly empty.
Napi::Value Capture::Read(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t limit = ring_ ? ring_->Capacity() : 0;
  if (info.Length() > 0 && info[0].IsNumber()) limit = std::min<size_t>(limit, info[0].As<Napi::Number>().Uint32Value());
  const size_t count = ring_ ? std::min(limit, ring_->Available()) : 0;
  Napi::Float32Array samples = Napi::Float32Array::New(env, count);
  if (count > 0) ring_->Read(samples.Data(), count);
  return samples;
}

Napi::Value Capture::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object stats = Napi::Object::New(env);
  stats.Set("deviceName", deviceName_);
  stats.Set("deviceRate", sampleRate_);
  stats.Set("deviceChannels", channels_);
  stats.Set("running", deviceOpen_ && ma_device_is_started(&device_) != 0);
  stats.Set("stoppedUnexpectedly", stoppedUnexpectedly_.load());
  stats.Set("capturedSamples", double(capturedSamples_.load()));
  stats.Set("droppedSamples", double(droppedSamples_.load()));
  stats.Set("overruns", double(overruns_.load()));
  stats.Set("bufferedSamples", double(ring_ ? ring_->Available() : 0));
  return stats;
}

Napi::Value Capture::Close(const Napi::CallbackInfo& info) {
  CloseDevice();
  return info.Env().Undefined();
}

void Capture::CloseDevice() {
  if (!deviceOpen_) return;
  deviceOpen_ = false;
  stopRequested_.store(true);
  if (!UninitDeviceWithin(&device_, kCloseTimeoutMs)) {
    // The backend hangs, as PulseAudio's client does once its server has died. The helper thread
    // still uses this object, so it is kept from garbage collection for good (a small leak).
    Ref();
    context_.release();
    return;
  }
  context_.reset();
}

}  // namespace rex
