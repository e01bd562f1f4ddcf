#include "vad.h"

#include <fstream>
#include <string>
#include <vector>

#include "addon_data.h"
#include "log_bridge.h"
#include "worker_base.h"

namespace rex {

VadHandle::~VadHandle() {
  if (context != nullptr) whisper_vad_free(context);
}

namespace {

constexpr uint32_t kGgmlMagic = 0x67676d6c;

class LoadVadWorker : public PromiseWorker {
 public:
  LoadVadWorker(Napi::Env env, std::string path, int threads)
      : PromiseWorker(env, "rex.loadVad"), path_(std::move(path)), threads_(threads) {}

 protected:
  void Execute() override {
    std::ifstream file(path_, std::ios::binary);
    uint32_t magic = 0;
    if (!file || !file.read(reinterpret_cast<char*>(&magic), sizeof(magic)) || magic != kGgmlMagic) {
      Fail("VAD_LOAD_FAILED", "cannot load VAD model '" + path_ + "': " +
                                  (file ? "not a ggml Silero VAD model" : "cannot open the file"));
      return;
    }
    whisper_vad_context_params params = whisper_vad_default_context_params();
    params.n_threads = threads_;
    params.use_gpu = false;
    ClearLastErrorOnThread();
    vad_ = std::make_shared<VadHandle>();
    vad_->context = whisper_vad_init_from_file_with_params(path_.c_str(), params);
    if (vad_->context == nullptr) {
      const std::string reason = LastErrorOnThread();
      Fail("VAD_LOAD_FAILED", "cannot load VAD model '" + path_ + "': " + (reason.empty() ? "whisper.cpp rejected it" : reason));
    }
  }

  Napi::Value Result(Napi::Env env) override {
    auto* holder = new VadPtr(std::move(vad_));
    auto external = Napi::External<VadPtr>::New(env, holder, [](Napi::Env, VadPtr* data) { delete data; });
    return GetAddonData(env).vadConstructor.New({external});
  }

 private:
  std::string path_;
  int threads_;
  VadPtr vad_;
};

class DetectWorker : public PromiseWorker {
 public:
  DetectWorker(Napi::Env env, VadPtr vad, std::vector<float> pcm, bool keepState)
      : PromiseWorker(env, "rex.vadDetect"), vad_(std::move(vad)), pcm_(std::move(pcm)), keepState_(keepState) {}

 protected:
  void Execute() override {
    std::lock_guard<std::mutex> lock(vad_->mutex);
    const bool ok = keepState_ ? whisper_vad_detect_speech_no_reset(vad_->context, pcm_.data(), int(pcm_.size()))
                               : whisper_vad_detect_speech(vad_->context, pcm_.data(), int(pcm_.size()));
    if (!ok) {
      Fail("VAD_FAILED", "speech detection failed on " + std::to_string(pcm_.size()) + " samples");
      return;
    }
    const float* probabilities = whisper_vad_probs(vad_->context);
    probabilities_.assign(probabilities, probabilities + whisper_vad_n_probs(vad_->context));
  }

  Napi::Value Result(Napi::Env env) override {
    Napi::Float32Array result = Napi::Float32Array::New(env, probabilities_.size());
    std::copy(probabilities_.begin(), probabilities_.end(), result.Data());
    return result;
  }

 private:
  VadPtr vad_;
  std::vector<float> pcm_;
  bool keepState_;
  std::vector<float> probabilities_;
};

class SegmentsWorker : public PromiseWorker {
 public:
  SegmentsWorker(Napi::Env env, VadPtr vad, std::vector<float> pcm, whisper_vad_params params)
      : PromiseWorker(env, "rex.vadSegments"), vad_(std::move(vad)), pcm_(std::move(pcm)), params_(params) {}

 protected:
  void Execute() override {
    std::lock_guard<std::mutex> lock(vad_->mutex);
    whisper_vad_segments* segments =
        whisper_vad_segments_from_samples(vad_->context, params_, pcm_.data(), int(pcm_.size()));
    if (segments == nullptr) {
      Fail("VAD_FAILED", "speech detection failed on " + std::to_string(pcm_.size()) + " samples");
      return;
    }
    for (int i = 0; i < whisper_vad_segments_n_segments(segments); i++) {
      // whisper.cpp reports segment times in centiseconds.
      ranges_.push_back({whisper_vad_segments_get_segment_t0(segments, i) * 10.0f,
                         whisper_vad_segments_get_segment_t1(segments, i) * 10.0f});
    }
    whisper_vad_free_segments(segments);
  }

  Napi::Value Result(Napi::Env env) override {
    Napi::Array result = Napi::Array::New(env, ranges_.size());
    for (size_t i = 0; i < ranges_.size(); i++) {
      Napi::Object range = Napi::Object::New(env);
      range.Set("start", ranges_[i].first);
      range.Set("end", ranges_[i].second);
      result.Set(uint32_t(i), range);
    }
    return result;
  }

 private:
  VadPtr vad_;
  std::vector<float> pcm_;
  whisper_vad_params params_;
  std::vector<std::pair<float, float>> ranges_;
};

std::vector<float> CopySamples(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsTypedArray() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(info.Env(), "expected 16 kHz mono PCM as a Float32Array");
  }
  Napi::Float32Array samples = info[0].As<Napi::Float32Array>();
  return std::vector<float>(samples.Data(), samples.Data() + samples.ElementLength());
}

whisper_vad_params ParseVadParams(Napi::Value value) {
  whisper_vad_params params = whisper_vad_default_params();
  if (!value.IsObject()) return params;
  Napi::Object options = value.As<Napi::Object>();
  auto number = [&options](const char* key, double fallback) {
    Napi::Value v = options.Get(key);
    return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : fallback;
  };
  params.threshold = float(number("threshold", params.threshold));
  params.min_speech_duration_ms = int(number("minSpeechMs", params.min_speech_duration_ms));
  params.min_silence_duration_ms = int(number("minSilenceMs", params.min_silence_duration_ms));
  params.max_speech_duration_s = float(number("maxSpeechSeconds", params.max_speech_duration_s));
  params.speech_pad_ms = int(number("speechPadMs", params.speech_pad_ms));
  return params;
}

}  // namespace

Napi::Value LoadVad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "expected a VAD model path string");
  int threads = 1;
  if (info.Length() > 1 && info[1].IsObject()) {
    Napi::Value value = info[1].As<Napi::Object>().Get("threads");
    if (value.IsNumber()) threads = value.As<Napi::Number>().Int32Value();
  }
  auto* worker = new LoadVadWorker(env, info[0].As<Napi::String>().Utf8Value(), threads);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Function VadModel::Define(Napi::Env env) {
  return DefineClass(env, "VadModel",
                     {InstanceMethod<&VadModel::Detect>("detect"), InstanceMethod<&VadModel::Segments>("segments"),
                      InstanceMethod<&VadModel::Reset>("reset"), InstanceMethod<&VadModel::Free>("free")});
}

VadModel::VadModel(const Napi::CallbackInfo& info) : Napi::ObjectWrap<VadModel>(info) {
  if (info.Length() < 1 || !info[0].IsExternal()) {
    throw Napi::TypeError::New(info.Env(), "VadModel is created by loadVad(), not by new");
  }
  vad_ = *info[0].As<Napi::External<VadPtr>>().Data();
}

Napi::Value VadModel::Detect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!vad_) throw MakeCodedError(env, "MODEL_FREED", "the VAD model was freed");
  const bool keepState = info.Length() > 1 && info[1].ToBoolean().Value();
  auto* worker = new DetectWorker(env, vad_, CopySamples(info), keepState);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value VadModel::Segments(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!vad_) throw MakeCodedError(env, "MODEL_FREED", "the VAD model was freed");
  std::vector<float> pcm = CopySamples(info);
  auto* worker = new SegmentsWorker(env, vad_, std::move(pcm), ParseVadParams(info.Length() > 1 ? info[1] : env.Undefined()));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value VadModel::Reset(const Napi::CallbackInfo& info) {
  if (vad_) {
    std::lock_guard<std::mutex> lock(vad_->mutex);
    whisper_vad_reset_state(vad_->context);
  }
  return info.Env().Undefined();
}

Napi::Value VadModel::Free(const Napi::CallbackInfo& info) {
  vad_.reset();
  return info.Env().Undefined();
}

}  // namespace rex
