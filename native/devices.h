// Audio device enumeration and lookup through miniaudio.
#pragma once

#include <miniaudio.h>
#include <napi.h>

#include <memory>
#include <string>

namespace rex {

// Which device to open and how much audio to buffer, from { deviceIndex, deviceName, bufferSeconds }.
struct DeviceSelection {
  int index = -1;  // -1 selects the default device
  std::string name;
  double bufferSeconds = 10.0;
};

DeviceSelection ParseDeviceSelection(Napi::Env env, Napi::Value value);

// Uninitialises `device` on a helper thread and waits at most `timeoutMs`. Returns false when the
// backend did not answer in time (its server died, for example); the helper thread then still
// uses the device, so the caller must keep it, and its context, alive for good.
bool UninitDeviceWithin(ma_device* device, int timeoutMs);

// Message for a device that could not be opened: which one, why, and what to try.
std::string OpenFailureMessage(const std::string& kind, const std::string& deviceName, ma_result result);

// listDevices(): { backend: string, capture: DeviceInfo[], playback: DeviceInfo[] }
Napi::Value ListDevices(const Napi::CallbackInfo& info);

// A miniaudio context that is uninitialised when the owner goes away.
struct ContextDeleter {
  void operator()(ma_context* context) const;
};
using ContextPtr = std::unique_ptr<ma_context, ContextDeleter>;

// Initialises a context with miniaudio's default backend order, or throws AUDIO_BACKEND_UNAVAILABLE.
ContextPtr CreateContext(Napi::Env env);

// Looks up a device of `type` by its index in the context's list and checks that its name is
// still `expectedName` (empty skips the check). Index -1 selects the default device, which
// leaves *id unset and returns false. Throws AUDIO_DEVICE_NOT_FOUND when nothing matches.
bool FindDevice(Napi::Env env, ma_context* context, ma_device_type type, int index, const std::string& expectedName,
                ma_device_id* id);

}  // namespace rex
