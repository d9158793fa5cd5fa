#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/packet_time.h"

struct archive;

namespace netmeter::capture {

// A zip archive written as a stream (libarchive; entries of unknown size use data descriptors, so
// nothing is buffered beyond libarchive's block): begin an entry, write its bytes, begin the next.
// Bytes go to `out` as libarchive produces them.
class ZipStream {
 public:
  using Out = std::function<bool(const uint8_t* data, size_t size)>;
  explicit ZipStream(Out out);
  ~ZipStream();
  ZipStream(const ZipStream&) = delete;
  ZipStream& operator=(const ZipStream&) = delete;

  // False with error() when libarchive refuses.
  bool beginEntry(const std::string& name, PacketTime modified);
  bool write(const uint8_t* data, size_t size);
  bool finishEntry();
  // Writes the central directory.
  bool close();
  const std::string& error() const { return error_; }

 private:
  bool fail();

  Out out_;
  archive* archive_ = nullptr;
  bool open_ = false;
  bool inEntry_ = false;
  std::string error_;
};

}  // namespace netmeter::capture
