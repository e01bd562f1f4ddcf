// Polyphase windowed-sinc resampler for mono float audio.
//
// The low-pass filter has a Kaiser window (beta 8.6, about 85 dB of stopband attenuation) and a
// cutoff just below the lower of the two Nyquist rates, so content the output cannot represent
// is removed before it can alias. Process() does not allocate: all buffers are sized in
// Configure(), which makes it safe to call from an audio callback.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace rex {

class Resampler {
 public:
  // Prepares conversion from inputRate to outputRate (Hz). maxInputChunk bounds the number of
  // input samples per internal step; longer inputs are processed in several steps.
  void Configure(uint32_t inputRate, uint32_t outputRate, size_t maxInputChunk = 8192);

  // Converts `count` input samples, appends at most `capacity` outputs to `output` and returns
  // how many it wrote. With capacity at least MaxOutput(count) no output is lost.
  size_t Process(const float* input, size_t count, float* output, size_t capacity);

  // Upper bound on outputs for `count` inputs.
  size_t MaxOutput(size_t count) const;

  // Group delay of the filter, in output samples.
  size_t DelayOutputSamples() const;

  void Reset();

 private:
  size_t ProcessChunk(const float* input, size_t count, float* output, size_t capacity);

  uint32_t up_ = 1;    // interpolation factor L
  uint32_t down_ = 1;  // decimation factor M
  size_t taps_ = 1;    // filter taps per phase
  std::vector<float> coefficients_;  // phase-major: coefficients_[phase * taps_ + tap]
  std::vector<float> history_;       // the last taps_ - 1 inputs followed by the current chunk
  size_t maxChunk_ = 0;
  uint64_t phase_ = 0;  // position of the next output within the current input, in 1/L steps
  bool passthrough_ = true;
};

// Converts a whole signal and compensates the filter delay, so output sample k lines up with
// input time k / outputRate. The result has round(count * outputRate / inputRate) samples.
std::vector<float> ResampleSignal(const std::vector<float>& input, uint32_t inputRate, uint32_t outputRate);

}  // namespace rex
