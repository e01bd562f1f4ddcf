#include "devices.h"

#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <future>
#include <mutex>
#include <thread>

#if defined(__linux__)
#include <dlfcn.h>
#endif

#include "log_bridge.h"
#include "worker_base.h"

namespace rex {
namespace {

// The backend's own device identifier where it is a string (PulseAudio source or sink name,
// ALSA device name), otherwise empty.
std::string DeviceId(ma_backend backend, const ma_device_id& id) {
  switch (backend) {
    case ma_backend_pulseaudio:
      return id.pulse;
    case ma_backend_alsa:
      return id.alsa;
    default:
      return "";
  }
}

Napi::Array DescribeDevices(Napi::Env env, ma_backend backend, const ma_device_info* devices, ma_uint32 count) {
  Napi::Array list = Napi::Array::New(env, count);
  for (ma_uint32 i = 0; i < count; i++) {
    Napi::Object device = Napi::Object::New(env);
    device.Set("index", i);
    device.Set("id", DeviceId(backend, devices[i].id));
    device.Set("name", devices[i].name);
    device.Set("isDefault", devices[i].isDefault != 0);
    list.Set(i, device);
  }
  return list;
}

#if defined(__linux__)
// libasound prints its own errors to stderr (for example "cannot find card '0'" on a machine
// without a sound card). This handler sends them to the log bridge at debug level instead.
void OnAlsaError(const char* file, int line, const char* function, int error, const char* format, ...) {
  char message[512];
  va_list arguments;
  va_start(arguments, format);
  std::vsnprintf(message, sizeof(message), format, arguments);
  va_end(arguments);
  (void)file;
  (void)line;
  (void)error;
  LogNativeLine(1, std::string("ALSA ") + (function != nullptr ? function : "") + ": " + message);
}

using AlsaErrorHandler = void (*)(const char*, int, const char*, int, const char*, ...);

void RouteAlsaErrors() {
  static std::once_flag once;
  std::call_once(once, [] {
    // miniaudio loads libasound the same way, so both share one library and one handler.
    void* library = dlopen("libasound.so.2", RTLD_NOW | RTLD_GLOBAL);
    if (library == nullptr) return;
    using SetHandler = int (*)(AlsaErrorHandler);
    auto setHandler = reinterpret_cast<SetHandler>(dlsym(library, "snd_lib_error_set_handler"));
    if (setHandler != nullptr) setHandler(OnAlsaError);
  });
}
#else
void RouteAlsaErrors() {}
#endif

}  // namespace

DeviceSelection ParseDeviceSelection(Napi::Env env, Napi::Value value) {
  DeviceSelection selection;
  if (!value.IsObject()) return selection;
  Napi::Object options = value.As<Napi::Object>();
  Napi::Value index = options.Get("deviceIndex");
  if (index.IsNumber()) selection.index = index.As<Napi::Number>().Int32Value();
  Napi::Value name = options.Get("deviceName");
  if (name.IsString()) selection.name = name.As<Napi::String>().Utf8Value();
  Napi::Value seconds = options.Get("bufferSeconds");
  if (seconds.IsNumber()) selection.bufferSeconds = seconds.As<Napi::Number>().DoubleValue();
  if (!(selection.bufferSeconds >= 0.1 && selection.bufferSeconds <= 600)) {
    throw Napi::RangeError::New(env, "bufferSeconds must be between 0.1 and 600");
  }
  return selection;
}

bool UninitDeviceWithin(ma_device* device, int timeoutMs) {
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> finished = done->get_future();
  std::thread([device, done] {
    ma_device_uninit(device);
    done->set_value();
  }).detach();
  return finished.wait_for(std::chrono::milliseconds(timeoutMs)) == std::future_status::ready;
}

std::string OpenFailureMessage(const std::string& kind, const std::string& deviceName, ma_result result) {
  const std::string device = deviceName.empty() ? "the default " + kind + " device" : kind + " device '" + deviceName + "'";
  const std::string flag = kind == "capture" ? "--input-device" : "--output-device";
  return "cannot open " + device + ": " + ma_result_description(result) + ". Run `rex devices` to list devices, " +
         "choose one with " + flag + ", and check that the audio server (PulseAudio or PipeWire) is running.";
}

void ContextDeleter::operator()(ma_context* context) const {
  ma_context_uninit(context);
  delete context;
}

ContextPtr CreateContext(Napi::Env env) {
  RouteAlsaErrors();
  ContextPtr context(new ma_context());
  ma_context_config config = ma_context_config_init();
  // miniaudio would otherwise start a PulseAudio server on demand; rex only talks to a running one.
  config.pulse.tryAutoSpawn = MA_FALSE;
  ma_result result = ma_context_init(nullptr, 0, &config, context.get());
  if (result != MA_SUCCESS) {
    context.release();
    throw MakeCodedError(env, "AUDIO_BACKEND_UNAVAILABLE",
                         std::string("no audio backend could be initialised: ") + ma_result_description(result) +
                             ". On Linux start PulseAudio or PipeWire, or check ALSA.");
  }
  return context;
}

bool FindDevice(Napi::Env env, ma_context* context, ma_device_type type, int index, const std::string& expectedName,
                ma_device_id* id) {
  if (index < 0) return false;
  ma_device_info* playback = nullptr;
  ma_device_info* capture = nullptr;
  ma_uint32 playbackCount = 0;
  ma_uint32 captureCount = 0;
  ma_result result = ma_context_get_devices(context, &playback, &playbackCount, &capture, &captureCount);
  if (result != MA_SUCCESS) {
    throw MakeCodedError(env, "AUDIO_DEVICE_NOT_FOUND",
                         std::string("cannot list audio devices: ") + ma_result_description(result));
  }
  const bool isCapture = type == ma_device_type_capture;
  ma_device_info* devices = isCapture ? capture : playback;
  const ma_uint32 count = isCapture ? captureCount : playbackCount;
  if (ma_uint32(index) >= count || (!expectedName.empty() && expectedName != devices[index].name)) {
    throw MakeCodedError(env, "AUDIO_DEVICE_NOT_FOUND",
                         std::string(isCapture ? "capture" : "playback") + " device " + std::to_string(index) +
                             (expectedName.empty() ? "" : " ('" + expectedName + "')") +
                             " is no longer present: run `rex devices` to list the current ones");
  }
  *id = devices[index].id;
  return true;
}

Napi::Value ListDevices(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ContextPtr context = CreateContext(env);
  ma_device_info* playback = nullptr;
  ma_device_info* capture = nullptr;
  ma_uint32 playbackCount = 0;
  ma_uint32 captureCount = 0;
  ma_result result = ma_context_get_devices(context.get(), &playback, &playbackCount, &capture, &captureCount);
  if (result != MA_SUCCESS) {
    throw MakeCodedError(env, "AUDIO_DEVICE_NOT_FOUND",
                         std::string("cannot list audio devices: ") + ma_result_description(result));
  }
  Napi::Object list = Napi::Object::New(env);
  list.Set("backend", ma_get_backend_name(context->backend));
  list.Set("capture", DescribeDevices(env, context->backend, capture, captureCount));
  list.Set("playback", DescribeDevices(env, context->backend, playback, playbackCount));
  return list;
}

}  // namespace rex
