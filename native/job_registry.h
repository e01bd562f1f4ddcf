// Tracks native jobs that run on libuv threads, so process exit can cancel them and wait.
//
// Exiting while whisper_full runs on another thread would otherwise let static destructors in
// ggml run under the running job and crash the process.
#pragma once

#include <atomic>
#include <memory>

namespace rex {

using CancelFlag = std::shared_ptr<std::atomic<bool>>;

// Registers a running job. The destructor unregisters it, so a job is tracked for exactly the
// lifetime of its guard.
class JobGuard {
 public:
  explicit JobGuard(CancelFlag cancel);
  ~JobGuard();
  JobGuard(const JobGuard&) = delete;
  JobGuard& operator=(const JobGuard&) = delete;

 private:
  CancelFlag cancel_;
};

// Sets the cancel flag of every running job and waits until all have finished, at most
// timeoutMs milliseconds. Safe to call more than once.
void CancelAllJobsAndWait(int timeoutMs);

// Installs the exit hook once; later calls do nothing. Call it after ggml's own static objects
// exist (after the first model load), so the hook runs before their destructors.
void InstallExitHook();

}  // namespace rex
