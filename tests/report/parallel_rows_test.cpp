#include "report/parallel_rows.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace netmeter {
namespace {

// The text of an array of `rows` rows written by writeRowsInParallel with `threads` threads and
// blocks of `blockRows` rows; a row is an object whose size varies, so that blocks take different
// times to render.
std::string renderRows(size_t rows, unsigned threads, size_t blockRows, size_t throwAtRow = SIZE_MAX) {
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::tmpfile(), &std::fclose);
  std::FILE* const f = file.get();
  const std::optional<ReportWindow> window;
  {
    ReportJson w(f, window, threads, blockRows);
    w.beginArray();
    writeRowsInParallel(w, rows, [&](ReportJson& out, size_t i) {
      if (i == throwAtRow) throw std::runtime_error("row " + std::to_string(i));
      out.beginObject();
      out.key("row");
      out.value(uint64_t(i));
      out.key("text");
      out.value(std::string(i % 97, 'x'));
      out.endObject();
    });
    w.endArray();
  }
  std::rewind(f);
  std::string text;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  return text;
}

// The same text for any number of threads and any block size: one block, many small ones, more
// blocks than the rendering may run ahead, a last block partly filled.
TEST(ParallelRows, TextIsTheSameForAnyThreadsAndBlockSize) {
  const std::string serial = renderRows(5000, 1, 64);
  ASSERT_EQ(serial.substr(0, 23), "[{\"row\":0,\"text\":\"\"},{\"");
  ASSERT_EQ(serial.back(), ']');
  for (const unsigned threads : {2u, 3u, 7u})
    for (const size_t block : {size_t{1}, size_t{3}, size_t{64}, size_t{999}, size_t{5000}, size_t{8000}})
      EXPECT_TRUE(renderRows(5000, threads, block) == serial) << threads << " threads, blocks of " << block;
  EXPECT_EQ(renderRows(0, 3, 4), "[]");
}

// A row that cannot be rendered (an exception in whichever thread renders its block) reaches the
// caller, and every helper thread ends (nothing waits forever).
TEST(ParallelRows, AnExceptionInAnyBlockReachesTheCaller) {
  for (const unsigned threads : {1u, 2u, 3u, 7u})
    for (const size_t block : {size_t{1}, size_t{5}, size_t{100}})
      for (const size_t row : {size_t{0}, size_t{17}, size_t{777}, size_t{999}})
        EXPECT_THROW(renderRows(1000, threads, block, row), std::runtime_error)
            << threads << " threads, blocks of " << block << ", row " << row;
}

}  // namespace
}  // namespace netmeter
