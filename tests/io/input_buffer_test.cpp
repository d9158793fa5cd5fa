#include "io/input_buffer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <thread>
#include <vector>

namespace netmeter::io {
namespace {

// Bytes whose value tells their position, so that any byte moved or overwritten shows.
std::vector<uint8_t> pattern(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = uint8_t((i * 131) ^ (i >> 8));
  return v;
}

// Reads `in` in records of 1-700 bytes and checks each against the stream, holding every chunk a
// record lies in for `holdFor` records (a consumer going on reading bytes the input has moved past).
struct HeldRecord {
  BufferChunk* chunk;
  const uint8_t* data;
  size_t offset, size;
};

TEST(InputBuffer, HeldChunksAreNeverWrittenAgainAndFreeOnesAreReused) {
  const auto stream = pattern(3'000'000);
  constexpr uint32_t kMaxHeld = 6;
  InputBuffer in(memorySource(stream.data(), stream.size()), 8192, kMaxHeld);
  std::vector<HeldRecord> held;
  size_t offset = 0, record = 0, heldRecords = 0, refused = 0;
  while (offset < stream.size()) {
    const size_t size = std::min<size_t>(1 + (record * 37) % 700, stream.size() - offset);
    ASSERT_TRUE(in.ensure(size)) << offset;
    ASSERT_EQ(in.offset(), offset);
    ASSERT_EQ(std::memcmp(in.data(), stream.data() + offset, size), 0) << offset;
    BufferChunk* chunk = in.chunk();
    ASSERT_NE(chunk, nullptr);
    ASSERT_GE(in.data(), chunk->data());
    ASSERT_LE(in.data() + size, chunk->data() + chunk->size());
    // Release the oldest holds after a while (more of them when the budget refuses a hold), checking
    // that their bytes are still the stream's.
    size_t keep = 40;
    if (record % 3 == 0) {
      if (chunk->tryHold()) {
        held.push_back({chunk, in.data(), offset, size});
        ++heldRecords;
      } else {
        ++refused;
        keep = 30;
      }
    }
    in.consume(size);
    offset += size;
    ++record;
    while (held.size() > keep) {
      const HeldRecord& h = held.front();
      ASSERT_EQ(std::memcmp(h.data, stream.data() + h.offset, h.size), 0) << "held record at " << h.offset;
      h.chunk->release();
      held.erase(held.begin());
    }
    ASSERT_LE(in.chunkCount(), kMaxHeld + 2);
  }
  for (const HeldRecord& h : held) {
    EXPECT_EQ(std::memcmp(h.data, stream.data() + h.offset, h.size), 0) << "held record at " << h.offset;
    h.chunk->release();
  }
  EXPECT_TRUE(in.atEnd());
  EXPECT_GT(heldRecords, 1000u);
  EXPECT_GT(refused, 0u);  // 40 held records span more chunks than the budget allows at times
  EXPECT_GE(in.chunkCount(), 3u);
}

TEST(InputBuffer, HoldingBudgetCountsChunksNotHolds) {
  const auto stream = pattern(100'000);
  InputBuffer in(memorySource(stream.data(), stream.size()), 4096, 2);
  std::vector<BufferChunk*> chunks;
  size_t offset = 0;
  while (chunks.size() < 3 && offset < stream.size()) {
    ASSERT_TRUE(in.ensure(1000));
    BufferChunk* chunk = in.chunk();
    if (chunks.empty() || chunks.back() != chunk) {
      chunks.push_back(chunk);
      if (chunks.size() <= 2) {
        EXPECT_TRUE(chunk->tryHold());  // several holds of one chunk count once
        EXPECT_TRUE(chunk->tryHold());
      }
    }
    in.consume(1000);
    offset += 1000;
  }
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_FALSE(chunks[2]->tryHold());  // two chunks held: the third is refused
  EXPECT_FALSE(chunks[2]->held());
  chunks[0]->release();
  EXPECT_TRUE(chunks[0]->held());  // still one holder
  EXPECT_FALSE(chunks[2]->tryHold());
  std::thread([&] { chunks[0]->release(); }).join();  // any thread may release
  EXPECT_FALSE(chunks[0]->held());
  EXPECT_TRUE(chunks[2]->tryHold());
  chunks[1]->release();
  chunks[1]->release();
  chunks[2]->release();
}

TEST(InputBuffer, SkipsAndGrowthKeepOffsetsWithHeldChunks) {
  const auto stream = pattern(400'000);
  InputBuffer in(memorySource(stream.data(), stream.size()), 4096, 4);
  ASSERT_TRUE(in.ensure(100));
  BufferChunk* first = in.chunk();
  ASSERT_TRUE(first->tryHold());
  const uint8_t* kept = in.data();
  in.consume(100);
  ASSERT_TRUE(in.skip(50'000));  // reads through: the held chunk must not be reused
  EXPECT_EQ(in.offset(), 50'100u);
  ASSERT_TRUE(in.ensure(20'000));  // longer than a chunk: a larger one
  EXPECT_EQ(std::memcmp(in.data(), stream.data() + 50'100, 20'000), 0);
  EXPECT_GE(in.chunk()->size(), 20'000u);
  EXPECT_EQ(std::memcmp(kept, stream.data(), 100), 0);
  first->release();
  in.consume(20'000);
  ASSERT_TRUE(in.ensure(10));
  EXPECT_EQ(in.offset(), 70'100u);
  EXPECT_EQ(std::memcmp(in.data(), stream.data() + 70'100, 10), 0);
}

TEST(InputBuffer, MemoryViewIsOneChunkThatIsNeverCopied) {
  const auto stream = pattern(10'000);
  InputBuffer in(stream.data(), stream.size());
  ASSERT_TRUE(in.ensure(10'000));
  EXPECT_EQ(in.data(), stream.data());
  BufferChunk* chunk = in.chunk();
  EXPECT_EQ(chunk->data(), stream.data());
  EXPECT_TRUE(chunk->tryHold());
  in.consume(10'000);
  EXPECT_TRUE(in.atEnd());
  chunk->release();
  EXPECT_EQ(in.chunkCount(), 1u);
}

}  // namespace
}  // namespace netmeter::io
