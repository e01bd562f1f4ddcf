// Per-environment state of the addon: the constructors that workers need to build results.
#pragma once

#include <napi.h>

namespace rex {

struct AddonData {
  Napi::FunctionReference modelConstructor;
  Napi::FunctionReference vadConstructor;
  Napi::FunctionReference cancelConstructor;
};

inline AddonData& GetAddonData(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }

}  // namespace rex
