#include "generate/pcap_writer.h"

#include <pcap/pcap.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace netmeter {

namespace {
constexpr size_t kFileBuffer = 1 << 20;
}

PcapWriter::~PcapWriter() {
  close();
}

std::string PcapWriter::open(const std::string& path, uint32_t snapLength) {
  close();
  snapLength_ = snapLength;
  pcap_ = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, int(snapLength), PCAP_TSTAMP_PRECISION_NANO);
  if (pcap_ == nullptr) return "cannot create a pcap handle";
  file_ = std::fopen(path.c_str(), "wb");
  if (file_ == nullptr) {
    std::string error = "cannot create " + path + ": " + std::strerror(errno);
    close();
    return error;
  }
  buffer_ = std::make_unique<char[]>(kFileBuffer);
  std::setvbuf(file_, buffer_.get(), _IOFBF, kFileBuffer);
  dumper_ = pcap_dump_fopen(pcap_, file_);
  if (dumper_ == nullptr) {
    std::string error = "cannot write " + path + ": " + pcap_geterr(pcap_);
    std::fclose(file_);
    file_ = nullptr;
    close();
    return error;
  }
  return {};
}

void PcapWriter::write(PacketTime time, std::span<const uint8_t> frame) {
  pcap_pkthdr header{};
  header.ts.tv_sec = time / kNanosPerSecond;
  header.ts.tv_usec = time % kNanosPerSecond;  // nanoseconds: the handle has nanosecond precision
  header.len = uint32_t(frame.size());
  header.caplen = std::min<uint32_t>(header.len, snapLength_);
  pcap_dump(reinterpret_cast<u_char*>(dumper_), &header, frame.data());
}

std::string PcapWriter::close() {
  std::string error;
  if (dumper_ != nullptr) {
    if (pcap_dump_flush(dumper_) != 0 || std::ferror(file_)) error = "write error (disk full?)";
    pcap_dump_close(dumper_);  // also closes file_
    dumper_ = nullptr;
    file_ = nullptr;
  }
  if (file_ != nullptr) {
    std::fclose(file_);
    file_ = nullptr;
  }
  if (pcap_ != nullptr) {
    pcap_close(pcap_);
    pcap_ = nullptr;
  }
  buffer_.reset();
  return error;
}

}  // namespace netmeter
