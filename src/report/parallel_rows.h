#pragma once

#include <algorithm>
#include <cstdio>
#include <cstdlib>
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
// With w.renderThreads > 1, blocks of w.renderBlockRows rows are rendered on that many threads at once and
// written in order, so the text is the same for any number of threads; renderRow must then only read. Memory:
// one block of JSON per thread. The large tables (connections, IPs, IP pairs, L7 per IP, host names,
// TLS clients, TCP per IP) are most of the report's bytes and time.
template <typename RenderRow>
void writeRowsInParallel(ReportJson& w, size_t count, const RenderRow& renderRow) {
  const unsigned threads = std::max(1u, w.renderThreads);
  const size_t block = std::max<size_t>(1, w.renderBlockRows);
  if (threads == 1 || count <= block) {
    for (size_t i = 0; i < count; ++i) renderRow(w, i);
    return;
  }
  std::vector<RowBlockRenderer> renderers(threads);
  std::vector<std::string_view> rendered(threads);
  for (size_t first = 0; first < count; first += block * threads) {
    auto render = [&](size_t t) {
      const size_t begin = std::min(count, first + t * block);
      rendered[t] = renderers[t].render(begin, std::min(count, begin + block), w.window, renderRow);
    };
    {
      std::vector<std::jthread> helpers;
      for (size_t t = 1; t < threads && first + t * block < count; ++t) helpers.emplace_back(render, t);
      render(0);
    }  // joined
    for (std::string_view& text : rendered) {
      if (!text.empty()) w.rawBulk(text);  // one raw value holding several: the commas are in the text
      text = {};
    }
  }
}

}  // namespace netmeter
