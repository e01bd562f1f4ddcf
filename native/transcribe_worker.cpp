#include "transcribe_worker.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "cancel_token.h"
#include "job_registry.h"
#include "log_bridge.h"
#include "phrase_scorer.h"
#include "worker_base.h"

namespace rex {
namespace {

// whisper_full returns no segments for input under one second, so shorter clips get
// trailing silence. The extra 100 ms keeps the last word away from the window edge.
constexpr int kSampleRate = WHISPER_SAMPLE_RATE;
constexpr size_t kMinSamples = kSampleRate + kSampleRate / 10;

struct TranscribeOptions {
  std::string language = "en";
  int threads = 4;
  bool translate = false;
  int audioContext = 0;
  int beamSize = 0;  // 0 selects greedy decoding
  float temperature = 0.0f;
  float temperatureIncrement = 0.2f;  // whisper.cpp's default fallback step
  float noSpeechThreshold = 0.6f;
  bool singleSegment = false;
  bool suppressNonSpeech = true;
  bool noTimestamps = false;
  int maxTokens = 0;  // per segment; 0 means no limit
  std::string initialPrompt;
  // Phrases to score by guided decoding against the encoded audio, after the transcription.
  std::vector<std::string> scorePhrases;
};

struct Token {
  int id;
  std::string text;
  float probability;
  int64_t t0;
  int64_t t1;
};

struct Segment {
  int index;
  int64_t t0;  // centiseconds, as whisper.cpp reports them
  int64_t t1;
  std::string text;
  float noSpeechProbability;
  std::vector<Token> tokens;
};

Napi::Object SegmentToObject(Napi::Env env, const Segment& segment) {
  Napi::Object object = Napi::Object::New(env);
  object.Set("index", segment.index);
  object.Set("start", double(segment.t0) * 10.0);
  object.Set("end", double(segment.t1) * 10.0);
  object.Set("text", segment.text);
  object.Set("noSpeechProbability", segment.noSpeechProbability);
  Napi::Array tokens = Napi::Array::New(env, segment.tokens.size());
  for (size_t i = 0; i < segment.tokens.size(); i++) {
    const Token& token = segment.tokens[i];
    Napi::Object value = Napi::Object::New(env);
    value.Set("id", token.id);
    value.Set("text", token.text);
    value.Set("probability", token.probability);
    value.Set("start", double(token.t0) * 10.0);
    value.Set("end", double(token.t1) * 10.0);
    tokens.Set(uint32_t(i), value);
  }
  object.Set("tokens", tokens);
  return object;
}

Segment ReadSegment(whisper_context* context, whisper_state* state, int index) {
  Segment segment;
  segment.index = index;
  segment.t0 = whisper_full_get_segment_t0_from_state(state, index);
  segment.t1 = whisper_full_get_segment_t1_from_state(state, index);
  segment.text = whisper_full_get_segment_text_from_state(state, index);
  segment.noSpeechProbability = whisper_full_get_segment_no_speech_prob_from_state(state, index);
  const int tokenCount = whisper_full_n_tokens_from_state(state, index);
  const whisper_token endOfText = whisper_token_eot(context);
  for (int i = 0; i < tokenCount; i++) {
    whisper_token_data data = whisper_full_get_token_data_from_state(state, index, i);
    if (data.id >= endOfText) continue;  // timestamps and other special tokens
    segment.tokens.push_back({data.id, whisper_token_to_str(context, data.id), data.p, data.t0, data.t1});
  }
  return segment;
}

class TranscribeWorker : public PromiseWorker {
 public:
  TranscribeWorker(Napi::Env env, ModelPtr model, std::vector<float> pcm, TranscribeOptions options,
                   CancelFlag cancel)
      : PromiseWorker(env, "rex.transcribe"),
        model_(std::move(model)),
        pcm_(std::move(pcm)),
        options_(std::move(options)),
        cancel_(std::move(cancel)) {}

  void SetSegmentCallback(Napi::ThreadSafeFunction callback) { onSegment_ = callback; hasSegment_ = true; }
  void SetProgressCallback(Napi::ThreadSafeFunction callback) { onProgress_ = callback; hasProgress_ = true; }

 protected:
  void Execute() override {
    JobGuard guard(cancel_);
    InstallExitHook();
    std::lock_guard<std::mutex> lock(model_->mutex);
    if (cancel_->load()) {
      Fail("ABORTED", "transcription aborted before it started");
    } else {
      Run();
    }
    ReleaseCallbacks();
  }

  Napi::Value Result(Napi::Env env) override {
    Napi::Object result = Napi::Object::New(env);
    Napi::Array segments = Napi::Array::New(env, segments_.size());
    for (size_t i = 0; i < segments_.size(); i++) segments.Set(uint32_t(i), SegmentToObject(env, segments_[i]));
    result.Set("segments", segments);
    result.Set("language", language_);
    const double totalMs = double(endUs_ - startUs_) / 1000.0;
    const double melMs = double((firstEncodeUs_ >= 0 ? firstEncodeUs_ : endUs_) - startUs_) / 1000.0;
    const double encodeMs = double(encodeUs_) / 1000.0;
    Napi::Object timings = Napi::Object::New(env);
    timings.Set("totalMs", totalMs);
    timings.Set("melMs", melMs);
    timings.Set("encodeMs", encodeMs);
    timings.Set("decodeMs", totalMs - melMs - encodeMs);
    timings.Set("encodeRuns", encodeRuns_);
    timings.Set("scoreMs", double(scoreUs_) / 1000.0);
    result.Set("timings", timings);
    if (!options_.scorePhrases.empty()) result.Set("phraseScores", PhraseScoresToArray(env));
    return result;
  }

 private:
  whisper_full_params BuildParams() {
    whisper_sampling_strategy strategy = options_.beamSize > 0 ? WHISPER_SAMPLING_BEAM_SEARCH : WHISPER_SAMPLING_GREEDY;
    whisper_full_params params = whisper_full_default_params(strategy);
    if (options_.beamSize > 0) params.beam_search.beam_size = options_.beamSize;
    params.n_threads = options_.threads;
    params.language = options_.language.c_str();
    params.detect_language = false;
    params.translate = options_.translate;
    params.audio_ctx = options_.audioContext;
    params.temperature = options_.temperature;
    params.temperature_inc = options_.temperatureIncrement;
    params.no_speech_thold = options_.noSpeechThreshold;
    params.single_segment = options_.singleSegment;
    params.suppress_nst = options_.suppressNonSpeech;
    params.no_timestamps = options_.noTimestamps;
    params.max_tokens = options_.maxTokens;
    params.no_context = true;
    params.token_timestamps = true;
    params.print_progress = false;
    params.print_realtime = false;
    params.print_special = false;
    params.print_timestamps = false;
    if (!options_.initialPrompt.empty()) params.initial_prompt = options_.initialPrompt.c_str();

    params.abort_callback = [](void* data) { return static_cast<TranscribeWorker*>(data)->OnAbortCheck(); };
    params.abort_callback_user_data = this;
    params.encoder_begin_callback = [](whisper_context*, whisper_state*, void* data) {
      return static_cast<TranscribeWorker*>(data)->OnEncoderBegin();
    };
    params.encoder_begin_callback_user_data = this;
    params.new_segment_callback = [](whisper_context* context, whisper_state* state, int newCount, void* data) {
      static_cast<TranscribeWorker*>(data)->OnNewSegments(context, state, newCount);
    };
    params.new_segment_callback_user_data = this;
    if (hasProgress_) {
      params.progress_callback = [](whisper_context*, whisper_state*, int progress, void* data) {
        static_cast<TranscribeWorker*>(data)->OnProgress(progress);
      };
      params.progress_callback_user_data = this;
    }
    return params;
  }

  void Run() {
    if (pcm_.size() < kMinSamples) pcm_.resize(kMinSamples, 0.0f);
    whisper_full_params params = BuildParams();
    ClearLastErrorOnThread();
    startUs_ = ggml_time_us();
    const int status = whisper_full_with_state(model_->context, model_->state, params, pcm_.data(), int(pcm_.size()));
    endUs_ = ggml_time_us();
    if (cancel_->load()) {
      Fail("ABORTED", "transcription aborted");
      return;
    }
    if (status != 0) {
      std::string reason = LastErrorOnThread();
      Fail("TRANSCRIBE_FAILED", "whisper_full failed with status " + std::to_string(status) +
                                    (reason.empty() ? std::string() : ": " + reason));
      return;
    }
    const int count = whisper_full_n_segments_from_state(model_->state);
    segments_.clear();
    for (int i = 0; i < count; i++) segments_.push_back(ReadSegment(model_->context, model_->state, i));
    const int languageId = whisper_full_lang_id_from_state(model_->state);
    const char* language = languageId >= 0 ? whisper_lang_str(languageId) : nullptr;
    language_ = language != nullptr ? language : options_.language;
    if (!options_.scorePhrases.empty()) RunPhraseScoring();
  }

  void RunPhraseScoring() {
    const int64_t started = ggml_time_us();
    std::string error;
    if (!ScorePhrases(model_->context, model_->state, options_.scorePhrases, language_, options_.threads,
                      &phraseScores_, &error)) {
      Fail("TRANSCRIBE_FAILED", error);
    }
    scoreUs_ = ggml_time_us() - started;
  }

  Napi::Array PhraseScoresToArray(Napi::Env env) {
    Napi::Array array = Napi::Array::New(env, phraseScores_.size());
    for (size_t i = 0; i < phraseScores_.size(); i++) {
      const PhraseScore& score = phraseScores_[i];
      Napi::Object object = Napi::Object::New(env);
      object.Set("phrase", score.phrase);
      object.Set("tokens", score.tokens);
      object.Set("logProbability", score.logProbability);
      object.Set("logProbabilityBelowBest", score.logProbabilityBelowBest);
      array.Set(uint32_t(i), object);
    }
    return array;
  }

  // Stage times come from the callbacks: whisper.cpp 1.9.1 calls encoder_begin_callback before
  // each encoder run and abort_callback once at the end of each encoder and decoder run, so the
  // first abort check after an encoder start ends that encoder run.
  bool OnEncoderBegin() {
    if (cancel_->load()) return false;
    encodeStartUs_ = ggml_time_us();
    if (firstEncodeUs_ < 0) firstEncodeUs_ = encodeStartUs_;
    encodeRuns_++;
    return true;
  }

  bool OnAbortCheck() {
    if (encodeStartUs_ >= 0) {
      encodeUs_ += ggml_time_us() - encodeStartUs_;
      encodeStartUs_ = -1;
    }
    return cancel_->load();
  }

  void OnNewSegments(whisper_context* context, whisper_state* state, int newCount) {
    if (!hasSegment_) return;
    const int total = whisper_full_n_segments_from_state(state);
    for (int i = std::max(0, total - newCount); i < total; i++) {
      auto* segment = new Segment(ReadSegment(context, state, i));
      napi_status status = onSegment_.NonBlockingCall(segment, [](Napi::Env env, Napi::Function fn, Segment* data) {
        if (env != nullptr && fn != nullptr) fn.Call({SegmentToObject(env, *data)});
        delete data;
      });
      if (status != napi_ok) delete segment;
    }
  }

  void OnProgress(int progress) {
    auto* value = new int(progress);
    napi_status status = onProgress_.NonBlockingCall(value, [](Napi::Env env, Napi::Function fn, int* data) {
      if (env != nullptr && fn != nullptr) fn.Call({Napi::Number::New(env, *data)});
      delete data;
    });
    if (status != napi_ok) delete value;
  }

  void ReleaseCallbacks() {
    if (hasSegment_) onSegment_.Release();
    if (hasProgress_) onProgress_.Release();
    hasSegment_ = false;
    hasProgress_ = false;
  }

  ModelPtr model_;
  std::vector<float> pcm_;
  TranscribeOptions options_;
  CancelFlag cancel_;
  Napi::ThreadSafeFunction onSegment_;
  Napi::ThreadSafeFunction onProgress_;
  bool hasSegment_ = false;
  bool hasProgress_ = false;
  std::vector<Segment> segments_;
  std::string language_;
  int64_t startUs_ = 0;
  int64_t endUs_ = 0;
  int64_t firstEncodeUs_ = -1;
  int64_t encodeStartUs_ = -1;  // start of the encoder run in progress, or -1 between runs
  int64_t encodeUs_ = 0;
  int encodeRuns_ = 0;
  std::vector<PhraseScore> phraseScores_;
  int64_t scoreUs_ = 0;
};

int GetInt(Napi::Object options, const char* key, int fallback, int minimum, int maximum) {
  Napi::Value value = options.Get(key);
  if (value.IsUndefined()) return fallback;
  if (!value.IsNumber()) throw Napi::TypeError::New(options.Env(), std::string("expected a number for ") + key);
  const double number = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(number) || number != std::floor(number) || number < minimum || number > maximum) {
    throw Napi::RangeError::New(options.Env(), std::string("expected an integer from ") + std::to_string(minimum) +
                                                   " to " + std::to_string(maximum) + " for " + key);
  }
  return int(number);
}

float GetFloat(Napi::Object options, const char* key, float fallback) {
  Napi::Value value = options.Get(key);
  if (value.IsUndefined()) return fallback;
  if (!value.IsNumber()) throw Napi::TypeError::New(options.Env(), std::string("expected a number for ") + key);
  return value.As<Napi::Number>().FloatValue();
}

bool GetBoolean(Napi::Object options, const char* key, bool fallback) {
  Napi::Value value = options.Get(key);
  if (value.IsUndefined()) return fallback;
  if (!value.IsBoolean()) throw Napi::TypeError::New(options.Env(), std::string("expected a boolean for ") + key);
  return value.As<Napi::Boolean>().Value();
}

// Reads an optional array of 1 to 16 non-empty strings of at most 200 bytes each.
std::vector<std::string> GetPhrases(Napi::Object options, const char* key) {
  Napi::Value value = options.Get(key);
  std::vector<std::string> phrases;
  if (value.IsUndefined()) return phrases;
  const std::string expected = std::string("expected 1 to 16 phrases of 1 to 200 bytes for ") + key;
  if (!value.IsArray()) throw Napi::TypeError::New(options.Env(), expected);
  Napi::Array array = value.As<Napi::Array>();
  if (array.Length() < 1 || array.Length() > 16) throw Napi::RangeError::New(options.Env(), expected);
  for (uint32_t i = 0; i < array.Length(); i++) {
    Napi::Value item = array.Get(i);
    if (!item.IsString()) throw Napi::TypeError::New(options.Env(), expected);
    std::string phrase = item.As<Napi::String>().Utf8Value();
    if (phrase.empty() || phrase.size() > 200) throw Napi::RangeError::New(options.Env(), expected);
    phrases.push_back(std::move(phrase));
  }
  return phrases;
}

TranscribeOptions ParseOptions(Napi::Env env, Napi::Value value) {
  TranscribeOptions options;
  if (value.IsUndefined() || value.IsNull()) return options;
  if (!value.IsObject()) throw Napi::TypeError::New(env, "expected an options object");
  Napi::Object object = value.As<Napi::Object>();
  Napi::Value language = object.Get("language");
  if (language.IsString()) options.language = language.As<Napi::String>().Utf8Value();
  if (options.language != "auto" && whisper_lang_id(options.language.c_str()) < 0) {
    throw Napi::RangeError::New(env, "unknown language '" + options.language + "': use a code such as en, de or auto");
  }
  options.threads = GetInt(object, "threads", options.threads, 1, 256);
  options.translate = GetBoolean(object, "translate", options.translate);
  options.audioContext = GetInt(object, "audioContext", options.audioContext, 0, 1500);
  options.beamSize = GetInt(object, "beamSize", options.beamSize, 0, 16);
  options.temperature = GetFloat(object, "temperature", options.temperature);
  options.temperatureIncrement = GetFloat(object, "temperatureIncrement", options.temperatureIncrement);
  options.noSpeechThreshold = GetFloat(object, "noSpeechThreshold", options.noSpeechThreshold);
  options.singleSegment = GetBoolean(object, "singleSegment", options.singleSegment);
  options.suppressNonSpeech = GetBoolean(object, "suppressNonSpeech", options.suppressNonSpeech);
  options.noTimestamps = GetBoolean(object, "noTimestamps", options.noTimestamps);
  options.maxTokens = GetInt(object, "maxTokens", options.maxTokens, 0, 448);
  Napi::Value prompt = object.Get("initialPrompt");
  if (prompt.IsString()) options.initialPrompt = prompt.As<Napi::String>().Utf8Value();
  options.scorePhrases = GetPhrases(object, "scorePhrases");
  return options;
}

}  // namespace

Napi::Value StartTranscription(const Napi::CallbackInfo& info, ModelPtr model) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsTypedArray() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(env, "expected 16 kHz mono PCM as a Float32Array");
  }
  Napi::Float32Array samples = info[0].As<Napi::Float32Array>();
  std::vector<float> pcm(samples.Data(), samples.Data() + samples.ElementLength());
  TranscribeOptions options = ParseOptions(env, info.Length() > 1 ? info[1] : env.Undefined());
  CancelFlag cancel = CancelToken::FromValue(env, info.Length() > 2 ? info[2] : env.Undefined());

  auto* worker = new TranscribeWorker(env, std::move(model), std::move(pcm), std::move(options), cancel);
  if (info.Length() > 3 && info[3].IsFunction()) {
    worker->SetSegmentCallback(Napi::ThreadSafeFunction::New(env, info[3].As<Napi::Function>(), "rex.segment", 0, 1));
  }
  if (info.Length() > 4 && info[4].IsFunction()) {
    worker->SetProgressCallback(Napi::ThreadSafeFunction::New(env, info[4].As<Napi::Function>(), "rex.progress", 0, 1));
  }
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace rex
