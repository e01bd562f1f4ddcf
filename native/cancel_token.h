// A JavaScript-visible cancel flag that native jobs poll from their worker threads.
#pragma once

#include <napi.h>

#include "job_registry.h"

namespace rex {

class CancelToken : public Napi::ObjectWrap<CancelToken> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit CancelToken(const Napi::CallbackInfo& info);

  CancelFlag Flag() const { return flag_; }

  // Returns the token's flag, a fresh unset flag for undefined, or throws TypeError.
  static CancelFlag FromValue(Napi::Env env, Napi::Value value);

 private:
  Napi::Value Cancel(const Napi::CallbackInfo& info);
  Napi::Value IsCancelled(const Napi::CallbackInfo& info);

  CancelFlag flag_;
};

}  // namespace rex
