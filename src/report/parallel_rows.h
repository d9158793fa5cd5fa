#pragma once

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <vector>

#include "report/report_json.h"

namespace netmeter {

// Renders rows of the report into memory with a JSON writer of its own, so that several blocks of
// rows can be rendered at once. The buffer (a memory stream) is reused from block to block.
class RowBlockRenderer {
 public:
  RowBlockRenderer() : memory_(open_memstream(&buffer_, &size_)) {
    if (memory_ == nullptr) throw std::runtime_error("cannot render the JSON report: out of memory");
  }
  ~RowBlockRenderer() {
    std::fclose(memory_);
    std::free(buffer_);
  }
  RowBlockRenderer(const RowBlockRenderer&) = delete;
  RowBlockRenderer& operator=(const RowBlockRenderer&) = delete;

  // Rows [begin, end) as JSON values separated by commas (no brackets); valid until the next call.
  template <typename RenderRow>
  std::string_view render(size_t begin, size_t end, const std::optional<ReportWindow>& window,
                          const RenderRow& renderRow) {
    std::rewind(memory_);
    {
      ReportJson w(memory_, window);  // one thread: rows only, no blocks within the block
      w.beginArray();
      for (size_t i = begin; i < end; ++i) renderRow(w, i);
      w.endArray();
    }
    std::fflush(memory_);  // size_ is now the position: the end of this block
    if (size_ < 2) return {};
    return {buffer_ + 1, size_ - 2};  // without [ and ]
  }

 private:
  char* buffer_ = nullptr;
  size_t size_ = 0;
  std::FILE* memory_;
};

// Writes `count` rows into the array that `w` has open: renderRow(ReportJson&, size_t i) writes row i.
// With w.renderThreads > 1, that many threads (this one and helpers) render blocks of
// w.renderBlockRows rows, each taking the next block as soon as it is done (up to 2 blocks per
// thread ahead of the writing), and this thread writes the rendered blocks in order between its own:
// the text is the same for any number of threads, writing overlaps rendering, and no thread waits
// for the slowest block of a round (rendering in rounds of one block per thread, joined before the
// round's blocks were written, took 1.21-1.25 s for the 10 M trace's report into a tmpfs file, now
// 1.01-1.05 s; into /dev/null 0.86-0.93 s, now 0.84-0.88 s). renderRow must only read. Memory: 2
// blocks of JSON per thread.
// The large tables (connections, IPs, IP pairs, L7 per IP, host names, TLS clients, TCP per IP) are
// most of the report's bytes and time.
template <typename RenderRow>
void writeRowsInParallel(ReportJson& w, size_t count, const RenderRow& renderRow) {
  const unsigned threads = std::max(1u, w.renderThreads);
  const size_t block = std::max<size_t>(1, w.renderBlockRows);
  if (threads == 1 || count <= block) {
    for (size_t i = 0; i < count; ++i) renderRow(w, i);
    return;
  }
  const size_t blocks = (count + block - 1) / block;
  const size_t ahead = 2 * size_t(threads);  // slots: block b is rendered into slot b % ahead
  struct Slot {
    RowBlockRenderer renderer;
    std::string_view text;
    std::exception_ptr error;  // what rendering the block threw (rethrown by the writer)
    std::atomic<bool> ready{false};
  };
  std::vector<Slot> slots(ahead);
  std::atomic<size_t> nextBlock{0};
  std::atomic<size_t> written{0};  // blocks written so far: slot b % ahead is free for b < written + ahead
  auto renderBlock = [&](size_t b) {
    Slot& slot = slots[b % ahead];
    const size_t begin = b * block;
    try {
      slot.text = slot.renderer.render(begin, std::min(count, begin + block), w.window, renderRow);
    } catch (...) {
      slot.error = std::current_exception();
    }
    slot.ready.store(true, std::memory_order_release);
    slot.ready.notify_one();
  };
  const size_t abandoned = SIZE_MAX;  // `written` when this thread gave up (an exception)
  auto renderBlocks = [&] {
    for (size_t b; (b = nextBlock.fetch_add(1, std::memory_order_relaxed)) < blocks;) {
      size_t done = written.load(std::memory_order_acquire);
      for (; done != abandoned && b >= done + ahead; done = written.load(std::memory_order_acquire))
        written.wait(done, std::memory_order_acquire);
      if (done == abandoned) return;
      renderBlock(b);
    }
  };
  std::vector<std::jthread> helpers;
  helpers.reserve(threads - 1);
  for (unsigned t = 1; t < threads; ++t) helpers.emplace_back(renderBlocks);
  // This thread writes the next block once it is rendered and meanwhile renders blocks itself (only
  // those whose slot is free: it is the one that frees them).
  try {
    for (size_t b = 0; b < blocks;) {
      Slot& slot = slots[b % ahead];
      if (slot.ready.load(std::memory_order_acquire)) {
        if (slot.error) std::rethrow_exception(slot.error);
        if (!slot.text.empty()) w.rawBulk(slot.text);  // one raw value holding several: the commas are in it
        slot.ready.store(false, std::memory_order_relaxed);
        written.store(++b, std::memory_order_release);
        written.notify_all();
        continue;
      }
      size_t mine = nextBlock.load(std::memory_order_relaxed);
      if (mine < blocks && mine < b + ahead &&
          nextBlock.compare_exchange_strong(mine, mine + 1, std::memory_order_relaxed)) {
        renderBlock(mine);
        continue;
      }
      slot.ready.wait(false, std::memory_order_acquire);
    }
  } catch (...) {
    // Helpers waiting for a slot give up, the others finish their block and take no more: all can
    // be joined.
    nextBlock.store(blocks, std::memory_order_relaxed);
    written.store(abandoned, std::memory_order_release);
    written.notify_all();
    throw;
  }
}

}  // namespace netmeter
