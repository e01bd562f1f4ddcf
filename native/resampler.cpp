#include "resampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace rex {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kKaiserBeta = 8.6;
// Width of the transition band as a fraction of the lower Nyquist rate.
constexpr double kTransition = 0.16;

// Zeroth-order modified Bessel function of the first kind, by its power series.
double BesselI0(double x) {
  double sum = 1.0;
  double term = 1.0;
  for (int k = 1; k < 50; k++) {
    term *= (x / (2.0 * k)) * (x / (2.0 * k));
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}

// Returns the first output's position on the interpolated grid, in 1/L input steps. The filter
// delays the signal by its center, (length - 1) / 2 steps, and starting at center mod M makes that
// delay a whole number of outputs, center / M, which ResampleSignal removes exactly.
uint64_t StartPhase(size_t taps, uint32_t up, uint32_t down) {
  return uint64_t((taps * up - 1) / 2) % down;
}

}  // namespace

void Resampler::Configure(uint32_t inputRate, uint32_t outputRate, size_t maxInputChunk) {
  const uint32_t divisor = std::gcd(inputRate, outputRate);
  up_ = outputRate / divisor;
  down_ = inputRate / divisor;
  passthrough_ = up_ == down_;
  maxChunk_ = maxInputChunk;
  phase_ = 0;
  if (passthrough_) {
    taps_ = 1;
    coefficients_.assign(1, 1.0f);
    history_.clear();
    return;
  }

  // Cutoff and transition relative to the input rate; the prototype filter runs at L times it.
  const double nyquist = 0.5 * std::min(1.0, double(up_) / double(down_));
  const double cutoff = nyquist * (1.0 - kTransition / 2.0);
  const double transition = nyquist * kTransition;
  const double attenuation = 2.285 * 2.0 * kPi * transition;
  taps_ = size_t(std::ceil((85.0 - 8.0) / attenuation)) | 1;

  // The center is a whole step of the interpolated grid, so the delay is exact. When the length
  // is even, the last tap lies past 2 * center and its window value is zero.
  const size_t length = taps_ * up_;
  const double center = double((length - 1) / 2);
  const double denominator = BesselI0(kKaiserBeta);
  std::vector<double> prototype(length);
  for (size_t n = 0; n < length; n++) {
    const double t = (double(n) - center) / double(up_);  // in input samples
    const double sinc = t == 0.0 ? 1.0 : std::sin(2.0 * kPi * cutoff * t) / (2.0 * kPi * cutoff * t);
    const double ratio = (double(n) - center) / center;
    const double window =
        std::abs(ratio) > 1.0 ? 0.0 : BesselI0(kKaiserBeta * std::sqrt(1.0 - ratio * ratio)) / denominator;
    prototype[n] = 2.0 * cutoff * sinc * window;
  }

  // Split into L phases of taps_ coefficients and give each phase unity gain at DC.
  coefficients_.assign(length, 0.0f);
  for (uint32_t phase = 0; phase < up_; phase++) {
    double sum = 0.0;
    for (size_t tap = 0; tap < taps_; tap++) sum += prototype[phase + tap * up_];
    for (size_t tap = 0; tap < taps_; tap++) {
      coefficients_[phase * taps_ + tap] = float(prototype[phase + tap * up_] / sum);
    }
  }
  history_.assign(taps_ - 1 + maxChunk_, 0.0f);
  phase_ = StartPhase(taps_, up_, down_);
}

size_t Resampler::MaxOutput(size_t count) const {
  if (passthrough_) return count;
  return size_t((uint64_t(count) * up_ + phase_) / down_) + 2;
}

size_t Resampler::DelayOutputSamples() const {
  if (passthrough_) return 0;
  return (taps_ * up_ - 1) / 2 / down_;
}

void Resampler::Reset() {
  phase_ = passthrough_ ? 0 : StartPhase(taps_, up_, down_);
  std::fill(history_.begin(), history_.end(), 0.0f);
}

size_t Resampler::Process(const float* input, size_t count, float* output, size_t capacity) {
  if (passthrough_) {
    const size_t n = std::min(count, capacity);
    std::copy(input, input + n, output);
    return n;
  }
  size_t written = 0;
  for (size_t offset = 0; offset < count; offset += maxChunk_) {
    const size_t chunk = std::min(maxChunk_, count - offset);
    written += ProcessChunk(input + offset, chunk, output + written, capacity - written);
  }
  return written;
}

// Output k of this chunk sits at input position (phase_ + k * M) / L. The newest input sample
// used is history_[taps_ - 1 + index], and the filter runs back over taps_ samples from there.
size_t Resampler::ProcessChunk(const float* input, size_t count, float* output, size_t capacity) {
  const size_t keep = taps_ - 1;
  std::copy(input, input + count, history_.begin() + keep);

  size_t written = 0;
  uint64_t position = phase_;
  const uint64_t end = uint64_t(count) * up_;
  while (position < end && written < capacity) {
    const size_t index = size_t(position / up_);
    const size_t phase = size_t(position % up_);
    const float* taps = &coefficients_[phase * taps_];
    const float* newest = &history_[keep + index];
    float sum = 0.0f;
    for (size_t tap = 0; tap < taps_; tap++) sum += taps[tap] * *(newest - tap);
    output[written++] = sum;
    position += down_;
  }
  phase_ = position - end;

  // Move the last taps_ - 1 inputs to the front for the next chunk.
  std::copy(history_.begin() + count, history_.begin() + count + keep, history_.begin());
  return written;
}

std::vector<float> ResampleSignal(const std::vector<float>& input, uint32_t inputRate, uint32_t outputRate) {
  if (inputRate == outputRate) return input;
  Resampler resampler;
  resampler.Configure(inputRate, outputRate);
  const size_t expected = size_t(std::llround(double(input.size()) * outputRate / inputRate));
  const size_t delay = resampler.DelayOutputSamples();

  std::vector<float> flushed(input);
  const size_t tail = size_t(std::ceil(double(delay + 2) * inputRate / outputRate)) + 1;
  flushed.resize(input.size() + tail, 0.0f);
  std::vector<float> output(resampler.MaxOutput(flushed.size()));
  output.resize(resampler.Process(flushed.data(), flushed.size(), output.data(), output.size()));

  const size_t start = std::min(delay, output.size());
  std::vector<float> aligned(output.begin() + long(start), output.end());
  aligned.resize(expected, 0.0f);
  return aligned;
}

}  // namespace rex
