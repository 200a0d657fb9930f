#include "model/thread_priority.h"

#if defined(__linux__)
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace promlite::model {

bool lower_thread_priority(int nice) {
#if defined(__linux__)
  // On Linux a thread id names one thread for setpriority (not the process).
  const auto tid = static_cast<id_t>(syscall(SYS_gettid));
  return setpriority(PRIO_PROCESS, tid, nice) == 0;
#else
  (void)nice;
  return false;
#endif
}

}  // namespace promlite::model
