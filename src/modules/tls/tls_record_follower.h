#pragma once

#include <algorithm>
#include <cstdint>
#include <span>

#include "modules/tls/tls_constants.h"

namespace netmeter::tls {

// Where one direction's stream stands in the TLS record layer: the current record (type, length and
// body bytes still to come) or, between records, the header bytes read so far.
struct RecordPosition {
  uint8_t recordType = 0;
  uint32_t recordLength = 0;
  uint32_t recordRemaining = 0;  // body bytes of the current record still to come
  uint8_t header[4] = {};        // bytes of the next header (when recordRemaining == 0)
  uint8_t headerLength = 0;
  uint8_t alertFirst = 0;  // first body byte of a 2-byte alert record whose second is still to come
};

// Follows one direction of a TLS connection's record layer once the handshake analysis is over, to
// see the alerts at the end of a connection: it reads only the 5-byte record headers and the body of
// 2-byte (cleartext) alert records, and skips every other body by its length — in O(1) per segment
// for records that span segments, without buffering or allocating, in 16 bytes.
//
// Segments are placed by their TCP sequence number: retransmitted bytes are skipped; missing bytes
// (a lost or reordered segment) end the following for good, and so does a header or alert byte that
// was not captured (snap length), since record boundaries are then unknown. Bodies that were not
// captured are skipped by their wire length.
//
// The sink is called with:
//   void onAlert(uint8_t level, uint8_t description)  a 2-byte (cleartext) alert record
//   void onEncryptedAlert()                           an alert record of another length, at its last
//                                                     byte (tshark's "Encrypted Alert")
// In TLS 1.3 an alert after the handshake is an application_data record (type 23) like any other
// encrypted record: it is not an alert for this follower (nor for tshark without the keys).
class TlsRecordFollower {
 public:
  // Starts following at stream sequence number `next`, from `position` (the handshake parser's).
  void start(uint32_t next, const RecordPosition& position) {
    next_ = next;
    following_ = true;
    type_ = position.recordType;
    remaining_ = static_cast<uint16_t>(position.recordRemaining);
    cleartextAlert_ = type_ == content::kAlert && position.recordLength == 2;
    held_ = remaining_ == 0 ? position.headerLength : 0;
    std::copy_n(position.header, 4, bytes_);
    if (cleartextAlert_ && remaining_ == 1) bytes_[0] = position.alertFirst;
  }
  bool following() const { return following_; }

  // One TCP segment: `captured` is what was captured of its `wireLength` payload bytes at `seq`.
  template <typename Sink>
  void onSegment(uint32_t seq, std::span<const uint8_t> captured, uint32_t wireLength, Sink& sink);

 private:
  void stop() { following_ = false; }

  uint32_t next_ = 0;       // sequence number of the next stream byte
  uint16_t remaining_ = 0;  // body bytes of the current record still to come (< 2^16: kMaxRecordLength)
  uint8_t type_ = 0;        // content type of the current record
  uint8_t held_ = 0;        // header bytes in bytes_ (between records)
  uint8_t bytes_[4] = {};   // the next header's first bytes; in a 2-byte alert: its level
  bool following_ = false;
  bool cleartextAlert_ = false;  // the current record is a 2-byte alert
};

static_assert(sizeof(TlsRecordFollower) <= 16);
static_assert(kMaxRecordLength <= UINT16_MAX);

template <typename Sink>
void TlsRecordFollower::onSegment(uint32_t seq, std::span<const uint8_t> captured, uint32_t wireLength,
                                  Sink& sink) {
  if (!following_ || wireLength == 0) return;
  const int32_t ahead = static_cast<int32_t>(seq - next_);
  if (ahead > 0) return stop();  // bytes before this segment are missing
  // Bytes of a retransmission that were seen before are skipped.
  uint32_t at = static_cast<uint32_t>(-ahead);
  if (at >= wireLength) return;
  next_ = seq + wireLength;
  const uint32_t have = static_cast<uint32_t>(std::min<size_t>(captured.size(), wireLength));
  while (at < wireLength) {
    if (remaining_ == 0) {  // a record header, read byte by byte into bytes_
      if (at >= have) return stop();
      const uint8_t b = captured[at++];
      if (held_ < 4) {
        bytes_[held_++] = b;
        continue;
      }
      held_ = 0;
      const uint32_t length = (uint32_t{bytes_[3]} << 8) | b;
      type_ = bytes_[0];
      if (type_ < content::kChangeCipherSpec || type_ > content::kHeartbeat || bytes_[1] != 3 ||
          bytes_[2] > 4 || length > kMaxRecordLength)
        return stop();  // not a record header: the boundaries are lost
      remaining_ = static_cast<uint16_t>(length);
      cleartextAlert_ = type_ == content::kAlert && length == 2;
      continue;  // a zero-length record is nothing (as for TlsRecordParser)
    }
    if (cleartextAlert_) {  // level, then description
      if (at >= have) return stop();
      const uint8_t b = captured[at++];
      if (--remaining_ == 1)
        bytes_[0] = b;
      else
        sink.onAlert(bytes_[0], b);
      continue;
    }
    const uint32_t n = std::min<uint32_t>(remaining_, wireLength - at);
    remaining_ = static_cast<uint16_t>(remaining_ - n);
    at += n;
    if (remaining_ == 0 && type_ == content::kAlert) sink.onEncryptedAlert();
  }
}

}  // namespace netmeter::tls
