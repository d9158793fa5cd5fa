#include "capture/capture_sink.h"

#include <algorithm>
#include <climits>

namespace netmeter::capture {

namespace {

constexpr uint32_t kLibpcapMaxSnapLength = 262144;  // MAXIMUM_SNAPLEN of libpcap

uint32_t tighter(uint32_t a, uint32_t b) {
  if (a == 0) return b;
  if (b == 0) return a;
  return std::min(a, b);
}

}  // namespace

uint32_t effectiveSnapLength(uint32_t declared) {
  return declared == 0 || declared > uint32_t{INT_MAX} ? kLibpcapMaxSnapLength : declared;
}

std::unique_ptr<CaptureSink> CaptureSink::create(const SinkTarget& target, const SinkOptions& options,
                                                 const std::vector<InterfaceInfo>& interfaces,
                                                 std::string& error) {
  if (interfaces.empty()) {
    error = "the capture has no interface";
    return nullptr;
  }
  std::unique_ptr<CaptureSink> sink(new CaptureSink());
  sink->options_ = options;
  const bool oneInterface = interfaces.size() == 1 || options.singleInterface;
  OutputFormat format = options.format;
  if (format == OutputFormat::kAuto) format = oneInterface ? OutputFormat::kPcap : OutputFormat::kPcapng;
  sink->format_ = format;
  if (format == OutputFormat::kPcap || options.singleInterface) {
    const uint16_t link = interfaces.front().linkType;
    for (const InterfaceInfo& i : interfaces) {
      if (i.linkType != link) {
        error = std::string(format == OutputFormat::kPcap ? "classic pcap" : "a single interface") +
                " cannot hold packets of different link types (" + std::to_string(link) + " and " +
                std::to_string(i.linkType) + "); write pcapng with one interface per link type";
        return nullptr;
      }
    }
  }

  // Bytes go through a counting sink to the file or the caller's callback.
  std::shared_ptr<io::OutputStream> file;
  if (target.callback == nullptr) {
    file = io::OutputStream::toFile(target.path, error);
    if (file == nullptr) return nullptr;
  }
  CaptureSink* self = sink.get();
  io::OutputStream::Sink forward = [self, file, callback = target.callback](const uint8_t* data,
                                                                            size_t size) {
    self->bytes_ += size;
    if (file != nullptr) return file->write(data, size);
    return callback(data, size);
  };
  sink->file_ = file;

  if (format == OutputFormat::kPcap) {
    const InterfaceInfo& first = interfaces.front();
    bool nanosecond = false;
    for (const InterfaceInfo& i : interfaces) nanosecond = nanosecond || i.timestampDigits > 6;
    sink->nanosecond_ = nanosecond;
    sink->pcapLinkType_ = first.linkType;
    sink->pcapSnapLength_ = tighter(options.snapLength, effectiveSnapLength(first.snapLength));
    io::PcapWriterOptions o;
    o.linkType = first.linkType;
    o.snapLength = sink->pcapSnapLength_;
    o.nanosecond = nanosecond;
    sink->pcap_ = io::PcapWriter::create(std::move(forward), o);
  } else {
    sink->nanosecond_ = true;
    io::PcapngWriterOptions o;
    o.application = options.application;
    sink->pcapng_ = io::PcapngWriter::create(std::move(forward), o);
    if (options.singleInterface) {
      sink->pcapng_->addInterface(sink->outputInterface(interfaces.front()));
    } else {
      for (const InterfaceInfo& i : interfaces) {
        sink->outputId_.push_back(
            static_cast<int32_t>(sink->pcapng_->addInterface(sink->outputInterface(i))));
      }
    }
  }
  return sink;
}

CaptureSink::~CaptureSink() {
  close();
}

InterfaceInfo CaptureSink::outputInterface(const InterfaceInfo& in) const {
  InterfaceInfo out = in;
  out.snapLength = tighter(options_.snapLength, in.snapLength);
  return out;
}

bool CaptureSink::write(const RawPacket& packet, const std::vector<InterfaceInfo>& interfaces,
                        uint32_t snapLength) {
  RawPacket out = packet;
  const uint32_t limit = tighter(snapLength, options_.snapLength);
  if (limit != 0) out.capturedLength = std::min(packet.capturedLength, limit);
  if (pcap_ != nullptr) {
    if (packet.linkType != pcapLinkType_) {
      ++linkTypeMismatches_;
      return true;
    }
    if (packet.timestamp < 0 || secondOf(packet.timestamp) > int64_t{UINT32_MAX}) {
      ++unstorableTimestamps_;  // classic pcap holds 32-bit seconds since 1970
      return true;
    }
    packetBytes_ += std::min(out.capturedLength, pcapSnapLength_);
    return pcap_->write(out);
  }
  if (options_.singleInterface) {
    if (packet.linkType != interfaces.front().linkType) {
      ++linkTypeMismatches_;
      return true;
    }
    if (packet.timestamp < 0) {
      ++unstorableTimestamps_;
      return true;
    }
    out.interfaceId = 0;
    packetBytes_ += out.capturedLength;
    return pcapng_->write(out);
  }
  if (packet.timestamp < 0) {
    ++unstorableTimestamps_;  // pcapng timestamps are unsigned
    return true;
  }
  const uint16_t id = packet.interfaceId;
  if (id >= interfaces.size()) {
    error_ = "packet of unknown interface " + std::to_string(id);
    return false;
  }
  while (outputId_.size() <= id) outputId_.push_back(-1);
  if (outputId_[id] < 0) {
    outputId_[id] = static_cast<int32_t>(pcapng_->addInterface(outputInterface(interfaces[id])));
  }
  out.interfaceId = static_cast<uint16_t>(outputId_[id]);
  const uint32_t idbSnap = tighter(options_.snapLength, interfaces[id].snapLength);
  if (idbSnap != 0) out.capturedLength = std::min(out.capturedLength, idbSnap);
  packetBytes_ += out.capturedLength;
  return pcapng_->write(out);
}

bool CaptureSink::flush() {
  const bool ok = pcap_ != nullptr ? pcap_->flush() : pcapng_ != nullptr ? pcapng_->flush() : true;
  return file_ != nullptr ? file_->flush() && ok : ok;
}

bool CaptureSink::close() {
  if (closed_) return error().empty();
  closed_ = true;
  bool ok = pcap_ != nullptr ? pcap_->close() : pcapng_ != nullptr ? pcapng_->close() : true;
  if (file_ != nullptr) {
    ok = file_->close() && ok;
    if (!file_->error().empty() && error_.empty()) error_ = file_->error();
  }
  return ok;
}

const std::string& CaptureSink::error() const {
  if (!error_.empty()) return error_;
  if (pcap_ != nullptr) return pcap_->error();
  if (pcapng_ != nullptr) return pcapng_->error();
  return error_;
}

}  // namespace netmeter::capture
