#include "whisper_model.h"

#include "addon_data.h"
#include "job_registry.h"
#include "log_bridge.h"
#include "model_check.h"
#include "transcribe_worker.h"
#include "worker_base.h"

namespace rex {

ModelHandle::~ModelHandle() {
  if (state != nullptr) whisper_free_state(state);
  if (context != nullptr) whisper_free(context);
}

namespace {

class LoadWorker : public PromiseWorker {
 public:
  LoadWorker(Napi::Env env, std::string path, whisper_context_params params)
      : PromiseWorker(env, "rex.loadModel"), path_(std::move(path)), params_(params) {}

 protected:
  void Execute() override {
    JobGuard guard(std::make_shared<std::atomic<bool>>(false));
    const std::string problem = CheckModelFile(path_);
    if (!problem.empty()) {
      Fail("MODEL_LOAD_FAILED", "cannot load model '" + path_ + "': " + problem);
      return;
    }
    ClearLastErrorOnThread();
    auto model = std::make_shared<ModelHandle>();
    model->path = path_;
    model->useGpu = params_.use_gpu;
    model->context = whisper_init_from_file_with_params_no_state(path_.c_str(), params_);
    if (model->context != nullptr) model->state = whisper_init_state(model->context);
    if (model->context == nullptr || model->state == nullptr) {
      std::string reason = LastErrorOnThread();
      Fail("MODEL_LOAD_FAILED", "cannot load model '" + path_ + "': " +
                                    (reason.empty() ? std::string("whisper.cpp rejected the file") : reason));
      return;
    }
    model_ = std::move(model);
  }

  Napi::Value Result(Napi::Env env) override {
    auto* holder = new ModelPtr(std::move(model_));
    auto external = Napi::External<ModelPtr>::New(env, holder, [](Napi::Env, ModelPtr* data) { delete data; });
    return GetAddonData(env).modelConstructor.New({external});
  }

 private:
  std::string path_;
  whisper_context_params params_;
  ModelPtr model_;
};

bool GetBool(Napi::Object options, const char* key, bool fallback) {
  Napi::Value value = options.Get(key);
  if (value.IsUndefined()) return fallback;
  if (!value.IsBoolean()) throw Napi::TypeError::New(options.Env(), std::string("expected a boolean for ") + key);
  return value.As<Napi::Boolean>().Value();
}

}  // namespace

Napi::Value LoadModel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "expected a model path string");
  whisper_context_params params = whisper_context_default_params();
  if (info.Length() > 1 && info[1].IsObject()) {
    Napi::Object options = info[1].As<Napi::Object>();
    params.use_gpu = GetBool(options, "useGpu", params.use_gpu);
    params.flash_attn = GetBool(options, "flashAttention", params.flash_attn);
    Napi::Value device = options.Get("gpuDevice");
    if (device.IsNumber()) params.gpu_device = device.As<Napi::Number>().Int32Value();
  }
  auto* worker = new LoadWorker(env, info[0].As<Napi::String>().Utf8Value(), params);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Function WhisperModel::Define(Napi::Env env) {
  return DefineClass(env, "WhisperModel",
                     {InstanceMethod<&WhisperModel::Transcribe>("transcribe"),
                      InstanceMethod<&WhisperModel::Free>("free"),
                      InstanceAccessor<&WhisperModel::IsFreed>("freed"),
                      InstanceMethod<&WhisperModel::Info>("info")});
}

WhisperModel::WhisperModel(const Napi::CallbackInfo& info) : Napi::ObjectWrap<WhisperModel>(info) {
  if (info.Length() < 1 || !info[0].IsExternal()) {
    throw Napi::TypeError::New(info.Env(), "WhisperModel is created by loadModel(), not by new");
  }
  model_ = *info[0].As<Napi::External<ModelPtr>>().Data();
}

Napi::Value WhisperModel::Transcribe(const Napi::CallbackInfo& info) {
  if (!model_) {
    throw MakeCodedError(info.Env(), "MODEL_FREED", "the model was freed: load it again before transcribing");
  }
  return StartTranscription(info, model_);
}

Napi::Value WhisperModel::Free(const Napi::CallbackInfo& info) {
  model_.reset();
  return info.Env().Undefined();
}

Napi::Value WhisperModel::IsFreed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), !model_);
}

Napi::Value WhisperModel::Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!model_) throw MakeCodedError(env, "MODEL_FREED", "the model was freed");
  whisper_context* context = model_->context;
  Napi::Object result = Napi::Object::New(env);
  result.Set("type", whisper_model_type_readable(context));
  result.Set("multilingual", whisper_is_multilingual(context) != 0);
  result.Set("vocabularySize", whisper_model_n_vocab(context));
  result.Set("audioContext", whisper_model_n_audio_ctx(context));
  result.Set("audioState", whisper_model_n_audio_state(context));
  result.Set("audioLayers", whisper_model_n_audio_layer(context));
  result.Set("textLayers", whisper_model_n_text_layer(context));
  result.Set("melCount", whisper_model_n_mels(context));
  result.Set("useGpu", model_->useGpu);
  result.Set("path", model_->path);
  return result;
}

}  // namespace rex
