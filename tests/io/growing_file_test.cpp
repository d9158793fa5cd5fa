// A capture read while it is written (an upload being analyzed): the reader sees every byte in order,
// waits for the writer, ends at completion and fails with the writer's reason on abort.

#include "io/growing_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "io/capture_files.h"

namespace netmeter::io {
namespace {

// A little-endian classic pcap (Ethernet) of `count` 60-byte frames.
std::vector<uint8_t> pcapBytes(int count) {
  std::vector<uint8_t> out;
  auto put32 = [&](uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(uint8_t(v >> (8 * i)));
  };
  auto put16 = [&](uint16_t v) {
    out.push_back(uint8_t(v));
    out.push_back(uint8_t(v >> 8));
  };
  put32(0xa1b2c3d4);
  put16(2);
  put16(4);
  put32(0);
  put32(0);
  put32(65535);
  put32(1);
  for (int i = 0; i < count; ++i) {
    put32(1700000000 + uint32_t(i));
    put32(0);
    put32(60);
    put32(60);
    for (int b = 0; b < 60; ++b) out.push_back(uint8_t(b));
  }
  return out;
}

std::string tempPath(const char* name) {
  return (std::filesystem::temp_directory_path() / (std::string(name) + "-" + std::to_string(::getpid()))).string();
}

TEST(GrowingFile, ReaderFollowsTheWriterToTheEnd) {
  const std::string path = tempPath("growing-ok");
  std::string error;
  auto file = GrowingFile::create(path, error);
  ASSERT_TRUE(file) << error;
  auto reader = file->openReader(30000);
  ASSERT_TRUE(reader);
  std::string expected;
  for (int i = 0; i < 30000; ++i) expected.push_back(char(i % 251));
  std::thread writer([&] {
    for (size_t i = 0; i < expected.size(); i += 1000) {
      ASSERT_TRUE(file->append(std::string_view(expected).substr(i, 1000)));
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    file->complete();
  });
  std::string got;
  uint8_t buffer[4096];
  while (size_t n = reader->read(buffer, sizeof buffer)) got.append(reinterpret_cast<char*>(buffer), n);
  writer.join();
  EXPECT_TRUE(reader->error().empty()) << reader->error();
  EXPECT_EQ(got, expected);
  EXPECT_EQ(reader->rawBytesTotal(), 30000u);
  EXPECT_EQ(reader->rawBytesConsumed(), 30000u);
  EXPECT_TRUE(file->completed());
  EXPECT_FALSE(file->append("late"));  // nothing after completion
  std::filesystem::remove(path);
}

TEST(GrowingFile, AbortEndsTheReaderWithTheReason) {
  const std::string path = tempPath("growing-abort");
  std::string error;
  auto file = GrowingFile::create(path, error);
  ASSERT_TRUE(file) << error;
  auto reader = file->openReader(0);
  ASSERT_TRUE(file->append("abc"));
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    file->abort("upload aborted: client went away");
  });
  uint8_t buffer[16];
  EXPECT_EQ(reader->read(buffer, sizeof buffer), 3u);
  EXPECT_EQ(reader->read(buffer, sizeof buffer), 0u);  // blocks until the abort
  writer.join();
  EXPECT_EQ(reader->error(), "upload aborted: client went away");
  EXPECT_FALSE(file->completed());
  std::filesystem::remove(path);
}

TEST(GrowingFile, CaptureOpensWhileItsHeaderIsStillArriving) {
  const std::string path = tempPath("growing-pcap");
  std::string error;
  auto file = GrowingFile::create(path, error);
  ASSERT_TRUE(file) << error;
  const std::vector<uint8_t> pcap = pcapBytes(3);
  std::thread writer([&] {
    for (uint8_t byte : pcap) {
      file->append(std::string_view(reinterpret_cast<const char*>(&byte), 1));
    }
    file->complete();
  });
  ReaderOptions options;
  options.name = path;
  OpenResult opened = openCaptureStream(file->openReader(pcap.size()), options);
  ASSERT_TRUE(opened.ok()) << opened.error.toString();
  size_t packets = 0;
  RawPacket p;
  while (opened.source->next(p) == ReadStatus::kPacket) ++packets;
  writer.join();
  EXPECT_EQ(packets, 3u);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace netmeter::io
