#include "model/thread_priority.h"

#include <gtest/gtest.h>

#include <thread>

#if defined(__linux__)
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace promlite::model {
namespace {

#if defined(__linux__)
int own_nice() { return getpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid))); }

TEST(ThreadPriorityTest, LowersOnlyTheCallingThread) {
  const int before = own_nice();
  int in_thread = 0;
  bool ok = false;
  std::thread t([&] {
    ok = lower_thread_priority(before + 5);
    in_thread = own_nice();
  });
  t.join();
  ASSERT_TRUE(ok);
  EXPECT_EQ(in_thread, before + 5);
  EXPECT_EQ(own_nice(), before);  // the caller's thread is left as it was
}
#endif

}  // namespace
}  // namespace promlite::model
