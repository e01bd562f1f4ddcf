#include "playback.h"

#include <algorithm>

#include "worker_base.h"

namespace rex {
namespace {

// How long close() waits for the backend to release a device before giving up on it.
constexpr int kCloseTimeoutMs = 1000;

}  // namespace

Napi::Function Playback::Define(Napi::Env env) {
  return DefineClass(env, "Playback",
                     {InstanceMethod<&Playback::Start>("start"), InstanceMethod<&Playback::Write>("write"),
                      InstanceMethod<&Playback::Clear>("clear"), InstanceMethod<&Playback::Stats>("stats"),
                      InstanceMethod<&Playback::Close>("close")});
}

Playback::Playback(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Playback>(info) {
  Napi::Env env = info.Env();
  Napi::Value options = info.Length() > 0 ? info[0] : env.Undefined();
  DeviceSelection selection = ParseDeviceSelection(env, options);
  if (options.IsObject()) {
    Napi::Value rate = options.As<Napi::Object>().Get("sampleRate");
    if (rate.IsNumber()) sampleRate_ = rate.As<Napi::Number>().Uint32Value();
  }
  if (sampleRate_ < 8000 || sampleRate_ > 192000) {
    throw Napi::RangeError::New(env, "sampleRate must be between 8000 and 192000 Hz");
  }
  context_ = CreateContext(env);
  ma_device_id id;
  const bool hasId = FindDevice(env, context_.get(), ma_device_type_playback, selection.index, selection.name, &id);

  ma_device_config config = ma_device_config_init(ma_device_type_playback);
  config.playback.pDeviceID = hasId ? &id : nullptr;
  config.playback.format = ma_format_f32;
  config.playback.channels = 1;
  config.sampleRate = sampleRate_;
  // Two 20 ms periods: 10 ms ones underran under load on PulseAudio, and a 40 ms buffer still
  // lets clear() silence the device within about 40 ms.
  config.periodSizeInMilliseconds = 20;
  config.periods = 2;
  config.dataCallback = OnData;
  config.pUserData = this;
  ma_result result = ma_device_init(context_.get(), &config, &device_);
  if (result != MA_SUCCESS) {
    throw MakeCodedError(env, "AUDIO_DEVICE_OPEN_FAILED", OpenFailureMessage("playback", selection.name, result));
  }
  deviceOpen_ = true;
  deviceName_ = device_.playback.name;
  ring_ = std::make_unique<RingBuffer>(size_t(selection.bufferSeconds * sampleRate_));
}

Playback::~Playback() { CloseDevice(); }

void Playback::OnData(ma_device* device, void* output, const void* /*input*/, ma_uint32 frameCount) {
  static_cast<Playback*>(device->pUserData)->Fill(static_cast<float*>(output), frameCount);
}

// Runs on the audio thread: no allocation, no locks, no JavaScript.
void Playback::Fill(float* output, ma_uint32 frameCount) {
  if (clearRequested_.exchange(false)) ring_->DiscardAll();
  const size_t queued = ring_->Available();
  const size_t count = ring_->Read(output, frameCount);
  std::fill(output + count, output + frameCount, 0.0f);
  playedSamples_.fetch_add(count, std::memory_order_relaxed);
  if (count < frameCount && queued > 0) underruns_.fetch_add(1, std::memory_order_relaxed);
}

Napi::Value Playback::Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!deviceOpen_) throw MakeCodedError(env, "AUDIO_DEVICE_CLOSED", "the playback device was closed");
  ma_result result = ma_device_start(&device_);
  if (result != MA_SUCCESS) {
    throw MakeCodedError(env, "AUDIO_DEVICE_START_FAILED",
                         "cannot start playback on '" + deviceName_ + "': " + ma_result_description(result));
  }
  return env.Undefined();
}

// write(samples: Float32Array): number of samples queued; the rest did not fit.
Napi::Value Playback::Write(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsTypedArray() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(env, "expected PCM samples as a Float32Array");
  }
  Napi::Float32Array samples = info[0].As<Napi::Float32Array>();
  return Napi::Number::New(env, double(ring_->Write(samples.Data(), samples.ElementLength())));
}

Napi::Value Playback::Clear(const Napi::CallbackInfo& info) {
  clearRequested_.store(true);
  return info.Env().Undefined();
}

Napi::Value Playback::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object stats = Napi::Object::New(env);
  stats.Set("deviceName", deviceName_);
  stats.Set("sampleRate", sampleRate_);
  stats.Set("deviceRate", deviceOpen_ ? device_.playback.internalSampleRate : 0);
  stats.Set("running", deviceOpen_ && ma_device_is_started(&device_) != 0);
  stats.Set("queuedSamples", double(ring_->Available()));
  stats.Set("playedSamples", double(playedSamples_.load()));
  stats.Set("underruns", double(underruns_.load()));
  return stats;
}

Napi::Value Playback::Close(const Napi::CallbackInfo& info) {
  CloseDevice();
  return info.Env().Undefined();
}

void Playback::CloseDevice() {
  if (!deviceOpen_) return;
  deviceOpen_ = false;
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
