#include "modules/common/bounded_queue.h"

#include <gtest/gtest.h>

#include <deque>
#include <string>

namespace netmeter {
namespace {

std::deque<std::string> contents(const BoundedQueue<std::string>& q) {
  std::deque<std::string> out;
  for (const std::string& s : q) out.push_back(s);
  return out;
}

TEST(BoundedQueue, AllocatesNothingUntilTheFirstElement) {
  BoundedQueue<std::string> q(4);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.capacityBytes(), 0u);
  q.push_back("a");
  EXPECT_EQ(q.capacityBytes(), sizeof(std::string));  // one slot: most connections have one request
}

// Against std::deque with the same limit, through growth, wrap-around and dropping the oldest.
TEST(BoundedQueue, BehavesLikeADequeCutToItsLimit) {
  for (size_t limit : {1u, 2u, 3u, 5u, 16u}) {
    BoundedQueue<std::string> q(limit);
    std::deque<std::string> reference;
    for (int i = 0; i < 200; ++i) {
      const std::string v = std::string(size_t(i % 7) * 10, 'x') + std::to_string(i);  // some on the heap
      if (i % 5 == 3 && !reference.empty()) {
        q.pop_front();
        reference.pop_front();
      } else {
        const bool dropped = q.push_back(v);
        reference.push_back(v);
        EXPECT_EQ(dropped, reference.size() > limit);
        if (reference.size() > limit) reference.pop_front();
      }
      ASSERT_EQ(contents(q), reference) << "limit " << limit << " step " << i;
      ASSERT_EQ(q.size(), reference.size());
      if (!reference.empty()) {
        EXPECT_EQ(q.front(), reference.front());
        EXPECT_EQ(q.back(), reference.back());
        EXPECT_EQ(q[reference.size() / 2], reference[reference.size() / 2]);
      }
      EXPECT_LE(q.capacityBytes(), limit * sizeof(std::string));
    }
  }
}

}  // namespace
}  // namespace netmeter
