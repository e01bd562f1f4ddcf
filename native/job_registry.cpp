#include "job_registry.h"

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <set>

namespace rex {
namespace {

struct Registry {
  std::mutex mutex;
  std::condition_variable idle;
  std::set<std::atomic<bool>*> running;
};

// Leaked on purpose: it must outlive every static destructor that might run during exit.
Registry& GetRegistry() {
  static Registry* registry = new Registry();
  return *registry;
}

}  // namespace

JobGuard::JobGuard(CancelFlag cancel) : cancel_(std::move(cancel)) {
  Registry& registry = GetRegistry();
  std::lock_guard<std::mutex> lock(registry.mutex);
  registry.running.insert(cancel_.get());
}

JobGuard::~JobGuard() {
  Registry& registry = GetRegistry();
  std::lock_guard<std::mutex> lock(registry.mutex);
  registry.running.erase(cancel_.get());
  if (registry.running.empty()) registry.idle.notify_all();
}

void CancelAllJobsAndWait(int timeoutMs) {
  Registry& registry = GetRegistry();
  std::unique_lock<std::mutex> lock(registry.mutex);
  for (std::atomic<bool>* flag : registry.running) flag->store(true);
  registry.idle.wait_for(lock, std::chrono::milliseconds(timeoutMs),
                         [&registry] { return registry.running.empty(); });
}

void InstallExitHook() {
  static std::once_flag once;
  std::call_once(once, [] { std::atexit([] { CancelAllJobsAndWait(10000); }); });
}

}  // namespace rex
