#include "decoder.h"

#include <miniaudio.h>

#include <string>
#include <vector>

#include "resampler.h"
#include "worker_base.h"

namespace rex {
namespace {

constexpr uint32_t kTargetRate = 16000;
constexpr ma_uint64 kFramesPerRead = 4096;

class DecodeWorker : public PromiseWorker {
 public:
  DecodeWorker(Napi::Env env, std::string path) : PromiseWorker(env, "rex.decodeFile"), path_(std::move(path)) {}

 protected:
  void Execute() override {
    // f32 output at the file's own rate and channel count: rex downmixes and resamples itself.
    ma_decoder_config config = ma_decoder_config_init(ma_format_f32, 0, 0);
    ma_decoder decoder;
    ma_result result = ma_decoder_init_file(path_.c_str(), &config, &decoder);
    if (result != MA_SUCCESS) {
      const std::string code = result == MA_DOES_NOT_EXIST ? "AUDIO_FILE_NOT_FOUND" : "AUDIO_DECODE_FAILED";
      Fail(code, "cannot decode '" + path_ + "': " + ma_result_description(result) +
                     (result == MA_DOES_NOT_EXIST ? "" : " (rex reads WAV, MP3 and FLAC)"));
      return;
    }
    sourceRate_ = decoder.outputSampleRate;
    sourceChannels_ = decoder.outputChannels;
    std::vector<float> mono = ReadMono(&decoder, &result);
    ma_decoder_uninit(&decoder);
    if (result != MA_SUCCESS && result != MA_AT_END && mono.empty()) {
      Fail("AUDIO_DECODE_FAILED", "cannot decode '" + path_ + "': " + ma_result_description(result));
      return;
    }
    sourceFrames_ = mono.size();
    pcm_ = ResampleSignal(mono, sourceRate_, kTargetRate);
  }

  Napi::Value Result(Napi::Env env) override {
    Napi::Float32Array pcm = Napi::Float32Array::New(env, pcm_.size());
    std::copy(pcm_.begin(), pcm_.end(), pcm.Data());
    Napi::Object result = Napi::Object::New(env);
    result.Set("pcm", pcm);
    result.Set("sourceRate", sourceRate_);
    result.Set("sourceChannels", sourceChannels_);
    result.Set("sourceFrames", double(sourceFrames_));
    return result;
  }

 private:
  // Reads until the decoder reports the end, trusting the frames it returns rather than any
  // length field in the header, and averages the channels into one.
  std::vector<float> ReadMono(ma_decoder* decoder, ma_result* status) {
    std::vector<float> interleaved(kFramesPerRead * sourceChannels_);
    std::vector<float> mono;
    for (;;) {
      ma_uint64 framesRead = 0;
      *status = ma_decoder_read_pcm_frames(decoder, interleaved.data(), kFramesPerRead, &framesRead);
      for (ma_uint64 frame = 0; frame < framesRead; frame++) {
        float sum = 0.0f;
        for (uint32_t channel = 0; channel < sourceChannels_; channel++) sum += interleaved[frame * sourceChannels_ + channel];
        mono.push_back(sum / float(sourceChannels_));
      }
      if (*status != MA_SUCCESS || framesRead == 0) break;
    }
    return mono;
  }

  std::string path_;
  std::vector<float> pcm_;
  uint32_t sourceRate_ = 0;
  uint32_t sourceChannels_ = 0;
  size_t sourceFrames_ = 0;
};

}  // namespace

Napi::Value DecodeFile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "expected an audio file path string");
  auto* worker = new DecodeWorker(env, info[0].As<Napi::String>().Utf8Value());
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace rex
