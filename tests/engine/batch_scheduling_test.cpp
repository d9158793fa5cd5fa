// The analysis threads run under SCHED_BATCH while the analysis runs (engine/batch_scheduling.h), and
// the thread that called Engine::run gets its own policy back afterwards.
#include "engine/batch_scheduling.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sched.h>

#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "engine/engine.h"
#include "support/synthetic_source.h"

namespace netmeter {
namespace {

// Threads of this process whose scheduling policy (field 41 of /proc/self/task/TID/stat) is `policy`.
int threadsWithPolicy(int policy) {
  int count = 0;
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return -1;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    std::ifstream in(std::string("/proc/self/task/") + entry->d_name + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Fields after the command name (which is in parentheses and may hold spaces): field 3 onwards.
    const size_t close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(stat.substr(close + 2));
    std::string field;
    for (int i = 3; i <= 41 && fields >> field; ++i)
      if (i == 41 && std::stoi(field) == policy) ++count;
  }
  closedir(dir);
  return count;
}

// Looks at the threads' policies from the reader thread, half-way through the packets.
class ObservingSource : public test::SyntheticSource {
 public:
  ReadStatus next(RawPacket& packet) override {
    if (++calls_ == size() / 2) {
      readerPolicy = sched_getscheduler(0);
      batchThreads = threadsWithPolicy(SCHED_BATCH);
    }
    return SyntheticSource::next(packet);
  }
  int readerPolicy = -1;
  int batchThreads = -1;

 private:
  size_t calls_ = 0;
};

TEST(BatchScheduling, ReaderAndWorkersRunUnderSchedBatchDuringTheAnalysis) {
  if (sched_getscheduler(0) != SCHED_OTHER) GTEST_SKIP() << "the tests run under another policy";
  bool permitted = false;
  std::thread probe([&] {
    const sched_param none{};
    permitted = sched_setscheduler(0, SCHED_BATCH, &none) == 0;
  });
  probe.join();
  if (!permitted) GTEST_SKIP() << "SCHED_BATCH is not permitted here (the scope then changes nothing)";
  ObservingSource source;
  for (int i = 0; i < 2000; ++i) {
    test::FrameSpec s;
    s.srcPort = uint16_t(1000 + i % 50);
    source.add(test::buildFrame(s), PacketTime{1'700'000'000} * kNanosPerSecond + i * 1000);
  }
  EngineOptions options;
  options.threads = 3;
  Engine engine(options);
  engine.run(source);
  EXPECT_EQ(source.readerPolicy, SCHED_BATCH);
  EXPECT_GE(source.batchThreads, 4);              // the reader and its three workers
  EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);  // the caller's own policy again
  EXPECT_EQ(threadsWithPolicy(SCHED_BATCH), 0);
}

TEST(BatchScheduling, AThreadAlreadyUnderAnotherPolicyKeepsIt) {
  // On a thread of its own: an unprivileged thread may not leave SCHED_IDLE again.
  int inside = -1, after = -1;
  std::thread t([&] {
    const sched_param none{};
    if (sched_setscheduler(0, SCHED_IDLE, &none) != 0) return;
    {
      const BatchSchedulingScope scope;
      inside = sched_getscheduler(0);
    }
    after = sched_getscheduler(0);
  });
  t.join();
  EXPECT_EQ(inside, SCHED_IDLE);
  EXPECT_EQ(after, SCHED_IDLE);
}

}  // namespace
}  // namespace netmeter
