#include "store/query_yield.h"

#include <gtest/gtest.h>

#include <thread>

namespace netmeter {
namespace {

void countCall(void* counter) { ++*static_cast<int*>(counter); }

TEST(QueryYield, CallsTheThreadsHookEveryThousandPoints) {
  int calls = 0;
  for (int i = 0; i < 5000; ++i) QueryYield::point();  // no hook: nothing happens
  QueryYield::set(&countCall, &calls);
  for (int i = 0; i < 1024 * 3; ++i) QueryYield::point();
  EXPECT_EQ(calls, 3);
  // Other threads have no hook.
  std::thread other([] {
    for (int i = 0; i < 4096; ++i) QueryYield::point();
  });
  other.join();
  EXPECT_EQ(calls, 3);
  QueryYield::set(nullptr, nullptr);
  for (int i = 0; i < 4096; ++i) QueryYield::point();
  EXPECT_EQ(calls, 3);
}

}  // namespace
}  // namespace netmeter
