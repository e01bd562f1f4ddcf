// Registers the addon's functions and classes. src/native/binding.ts declares their types.
#include <miniaudio.h>
#include <napi.h>
#include <whisper.h>

#include "addon_data.h"
#include "cancel_token.h"
#include "capture.h"
#include "decoder.h"
#include "devices.h"
#include "log_bridge.h"
#include "playback.h"
#include "vad.h"
#include "whisper_model.h"

namespace rex {
namespace {

Napi::Value SystemInfo(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), whisper_print_system_info());
}

Napi::Object Versions(Napi::Env env) {
  Napi::Object versions = Napi::Object::New(env);
  versions.Set("whisper", whisper_version());
  versions.Set("miniaudio", MA_VERSION_STRING);
  return versions;
}

Napi::Array Backends(Napi::Env env) {
  Napi::Array backends = Napi::Array::New(env);
  uint32_t count = 0;
  backends.Set(count++, "cpu");
#ifdef GGML_USE_CUDA
  backends.Set(count++, "cuda");
#endif
#ifdef GGML_USE_METAL
  backends.Set(count++, "metal");
#endif
  return backends;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  InstallLogBridge();
  auto* data = new AddonData();
  env.SetInstanceData<AddonData>(data);

  Napi::Function model = WhisperModel::Define(env);
  Napi::Function vad = VadModel::Define(env);
  Napi::Function cancel = CancelToken::Define(env);
  data->modelConstructor = Napi::Persistent(model);
  data->vadConstructor = Napi::Persistent(vad);
  data->cancelConstructor = Napi::Persistent(cancel);

  exports.Set("loadModel", Napi::Function::New(env, LoadModel, "loadModel"));
  exports.Set("loadVad", Napi::Function::New(env, LoadVad, "loadVad"));
  exports.Set("decodeFile", Napi::Function::New(env, DecodeFile, "decodeFile"));
  exports.Set("listDevices", Napi::Function::New(env, ListDevices, "listDevices"));
  exports.Set("setLogHandler", Napi::Function::New(env, SetLogHandler, "setLogHandler"));
  exports.Set("systemInfo", Napi::Function::New(env, SystemInfo, "systemInfo"));
  exports.Set("WhisperModel", model);
  exports.Set("VadModel", vad);
  exports.Set("CancelToken", cancel);
  exports.Set("Capture", Capture::Define(env));
  exports.Set("Playback", Playback::Define(env));
  exports.Set("versions", Versions(env));
  exports.Set("backends", Backends(env));
  return exports;
}

}  // namespace
}  // namespace rex

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return rex::Init(env, exports); }

NODE_API_MODULE(rex_addon, InitAddon)
