// SpinLock: a one-byte lock for per-series state.
//
// std::mutex costs 40 bytes; with a million series that alone is 40 MB. Series
// locks are held for a few hundred nanoseconds (one sample append, or copying a
// chunk's bytes) and contention on one series is rare, so spinning with a yield
// fallback is cheaper than a futex in both memory and time.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>

namespace promlite::tsdb::head {

class SpinLock {
 public:
  void lock() {
    for (int spins = 0;; ++spins) {
      if (!locked_.exchange(true, std::memory_order_acquire)) return;
      while (locked_.load(std::memory_order_relaxed)) {
        if (++spins > 64) std::this_thread::yield();
      }
    }
  }
  bool try_lock() { return !locked_.exchange(true, std::memory_order_acquire); }
  void unlock() { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};
};

}  // namespace promlite::tsdb::head
