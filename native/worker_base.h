// Shared base for every promise-returning native call, and the coded error shape.
#pragma once

#include <napi.h>

#include <string>

namespace rex {

// Creates an Error whose `code` property is set, so the TypeScript layer can map it to RexError.
Napi::Error MakeCodedError(Napi::Env env, const std::string& code, const std::string& message);

// An AsyncWorker that settles a promise: Execute() runs on a libuv thread, Result() builds the
// resolved value on the JavaScript thread, and Fail() rejects with a coded error.
class PromiseWorker : public Napi::AsyncWorker {
 public:
  PromiseWorker(Napi::Env env, const char* resourceName);

  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Fail(const std::string& code, const std::string& message);
  virtual Napi::Value Result(Napi::Env env) = 0;

  void OnOK() override;
  void OnError(const Napi::Error& error) override;

 private:
  Napi::Promise::Deferred deferred_;
  std::string code_ = "NATIVE_ERROR";
};

}  // namespace rex
