#include "engine/spsc_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace netmeter {
namespace {

TEST(SpscQueue, DeliversEveryItemInOrderAcrossThreads) {
  SpscQueue<int> queue(16);
  constexpr int kItems = 200'000;
  std::vector<int> items(kItems);
  for (int i = 0; i < kItems; ++i) items[i] = i;
  std::vector<int> seen;
  seen.reserve(kItems);
  std::thread consumer([&] {
    for (int i = 0; i < kItems; ++i) seen.push_back(*queue.pop());
  });
  for (int i = 0; i < kItems; ++i) {
    queue.push(&items[i], size_t(1) + size_t(i % 5));  // wake-up thresholds that vary
    if (i % 1000 == 0) std::this_thread::sleep_for(std::chrono::microseconds(100));  // let it sleep
  }
  consumer.join();
  ASSERT_EQ(seen.size(), size_t(kItems));
  for (int i = 0; i < kItems; ++i) ASSERT_EQ(seen[i], i);
}

// A threshold that is never reached delays a sleeping consumer by at most kMaxSleep: never a stall.
TEST(SpscQueue, ASleeperWakesWithoutReachingTheThreshold) {
  SpscQueue<int> queue(16);
  int item = 7;
  int* got = nullptr;
  std::thread consumer([&] { got = queue.pop(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the consumer is asleep by now
  const auto pushed = std::chrono::steady_clock::now();
  queue.push(&item, /*wakeAt=*/16);
  consumer.join();
  const auto waited = std::chrono::steady_clock::now() - pushed;
  EXPECT_EQ(got, &item);
  EXPECT_LT(waited, std::chrono::seconds(1));  // kMaxSleep (2 ms) plus any scheduling delay
}

// A consumer asleep on an empty queue stays asleep until an item comes, then takes it. (That the
// wake-up is immediate rather than at kMaxSleep is a matter of milliseconds, not asserted here.)
TEST(SpscQueue, ASleepingConsumerWaitsForAnUrgentPushAndTakesIt) {
  SpscQueue<int> queue(16);
  int item = 1;
  std::atomic<bool> done{false};
  std::thread consumer([&] {
    queue.pop();
    done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(done.load());
  queue.push(&item, 1);
  consumer.join();
  EXPECT_TRUE(done.load());
}

// popOrTimeout: an item when one is there; null after one sleep without; null at once (without the
// sleep) when giveUp() holds, also when it became true while the consumer slept and wake() was called.
TEST(SpscQueue, PopOrTimeoutGivesUpWhenAskedOrAfterOneSleep) {
  SpscQueue<int> queue(4);
  int item = 3;
  EXPECT_EQ(queue.popOrTimeout(), nullptr);
  queue.push(&item);
  EXPECT_EQ(queue.popOrTimeout([] { return true; }), &item) << "an item comes before giving up";
  EXPECT_EQ(queue.popOrTimeout([] { return true; }), nullptr);

  std::atomic<bool> giveUp{false};
  int* got = &item;
  std::chrono::steady_clock::duration waited{};
  std::thread consumer([&] {
    const auto start = std::chrono::steady_clock::now();
    // Many rounds, as the worker does: each ends after a sleep or when giveUp() turned true.
    while (!giveUp.load() && (got = queue.popOrTimeout([&] { return giveUp.load(); })) == nullptr) {
    }
    waited = std::chrono::steady_clock::now() - start;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  giveUp = true;
  queue.wake();
  consumer.join();
  EXPECT_EQ(got, nullptr);
  EXPECT_LT(waited, std::chrono::seconds(1));
}

TEST(SpscQueue, TryPushFailsWhenFullAndTryPopWhenEmpty) {
  SpscQueue<int> queue(4);
  int v[5] = {};
  EXPECT_EQ(queue.tryPop(), nullptr);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(queue.tryPush(&v[i]));
  EXPECT_FALSE(queue.tryPush(&v[4]));
  for (int i = 0; i < 4; ++i) EXPECT_EQ(queue.tryPop(), &v[i]);
  EXPECT_EQ(queue.tryPop(), nullptr);
}

}  // namespace
}  // namespace netmeter
