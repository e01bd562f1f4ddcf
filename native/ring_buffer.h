// Lock-free single-producer single-consumer ring buffer of float samples.
//
// The audio callback is the only producer (capture) or the only consumer (playback); the other
// side is the JavaScript thread. Neither side allocates or locks after construction.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <vector>

namespace rex {

class RingBuffer {
 public:
  explicit RingBuffer(size_t capacity) : buffer_(capacity + 1) {}

  size_t Capacity() const { return buffer_.size() - 1; }

  size_t Available() const {
    const size_t write = write_.load(std::memory_order_acquire);
    const size_t read = read_.load(std::memory_order_acquire);
    return write >= read ? write - read : buffer_.size() - read + write;
  }

  size_t Free() const { return Capacity() - Available(); }

  // Producer side. Writes as many samples as fit and returns that count.
  size_t Write(const float* data, size_t count) {
    const size_t write = write_.load(std::memory_order_relaxed);
    const size_t n = std::min(count, Free());
    const size_t first = std::min(n, buffer_.size() - write);
    std::copy(data, data + first, buffer_.begin() + long(write));
    std::copy(data + first, data + n, buffer_.begin());
    write_.store((write + n) % buffer_.size(), std::memory_order_release);
    return n;
  }

  // Consumer side. Reads up to `count` samples and returns how many it read.
  size_t Read(float* data, size_t count) {
    const size_t read = read_.load(std::memory_order_relaxed);
    const size_t n = std::min(count, Available());
    const size_t first = std::min(n, buffer_.size() - read);
    std::copy(buffer_.begin() + long(read), buffer_.begin() + long(read + first), data);
    std::copy(buffer_.begin(), buffer_.begin() + long(n - first), data + first);
    read_.store((read + n) % buffer_.size(), std::memory_order_release);
    return n;
  }

  // Consumer side. Drops everything written so far.
  void DiscardAll() { read_.store(write_.load(std::memory_order_acquire), std::memory_order_release); }

 private:
  std::vector<float> buffer_;
  std::atomic<size_t> write_{0};
  std::atomic<size_t> read_{0};
};

}  // namespace rex
