#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>

#include "modules/tls/tls_constants.h"
#include "modules/tls/tls_record_follower.h"
#include "store/memory_account.h"

namespace netmeter::tls {

// Splits one direction of a TLS byte stream into records and reassembles the one handshake message
// the caller waits for (ClientHello or ServerHello), across records and segments. A message that lies
// whole in the bytes fed is handed to the sink in place; only one split across records or segments is
// buffered: a buffer of exactly its length (at most `maxMessage` bytes), allocated when its header
// arrives, accounted, and freed right after the sink has seen it. Everything else is skipped by
// length, so after the handshake the parser only reads 5-byte record headers.
//
// The sink is called with:
//   bool onHandshake(uint8_t type, std::span<const uint8_t> body)  the awaited message; return true
//                                                                  to wait for another one
//   void onAlert(uint8_t level, uint8_t description)               a cleartext 2-byte alert
//   void onEncryptedAlert()                                        an alert record of another length
//   void onRecord(uint8_t type)                                    start of every record
// Stream damage (not a TLS record header, oversize record or message) stops the parser for good.
class TlsRecordParser {
 public:
  enum class Stop : uint8_t { kNone, kNotTls, kRecordTooLong, kMessageTooLong };

  explicit TlsRecordParser(uint8_t awaitedType = 0, uint32_t maxMessage = 16384)
      : awaitedType_(awaitedType), maxMessage_(maxMessage), awaiting_(awaitedType != 0) {}
  ~TlsRecordParser() = default;
  TlsRecordParser(const TlsRecordParser&) = delete;
  TlsRecordParser& operator=(const TlsRecordParser&) = delete;

  template <typename Sink>
  void feed(std::span<const uint8_t> bytes, Sink& sink, MemoryAccount& account);

  bool stopped() const { return stop_ != Stop::kNone; }
  Stop stopReason() const { return stop_; }
  bool awaiting() const { return awaiting_; }
  uint64_t records() const { return records_; }
  // Where the stream stands after the bytes fed so far (meaningful while not stopped), for a
  // TlsRecordFollower to go on from.
  RecordPosition position() const {
    RecordPosition p;
    p.recordType = recordType_;
    p.recordLength = recordLength_;
    p.recordRemaining = recordRemaining_;
    std::copy_n(header_, 4, p.header);
    p.headerLength = recordRemaining_ == 0 ? headerLength_ : 0;
    p.alertFirst = alert_[0];
    return p;
  }
  // Frees the message buffer (when the connection goes away mid-message).
  void release(MemoryAccount& account) {
    if (message_) account.add(-static_cast<int64_t>(messageLength_));
    message_.reset();
  }

 private:
  template <typename Sink>
  void handshakeBytes(std::span<const uint8_t> bytes, Sink& sink, MemoryAccount& account);
  void fail(Stop why, MemoryAccount& account) {
    stop_ = why;
    release(account);
  }

  uint8_t awaitedType_;
  uint32_t maxMessage_;
  bool awaiting_;
  Stop stop_ = Stop::kNone;
  uint64_t records_ = 0;
  // Current record.
  uint8_t header_[5] = {};
  uint8_t headerLength_ = 0;
  uint8_t recordType_ = 0;
  uint32_t recordLength_ = 0;
  uint32_t recordRemaining_ = 0;
  uint8_t alert_[2] = {};
  // Current handshake message (within handshake records).
  uint8_t messageHeader_[4] = {};
  uint8_t messageHeaderLength_ = 0;
  uint32_t messageLength_ = 0;
  uint32_t messageHave_ = 0;
  uint32_t messageSkip_ = 0;  // bytes of a message we do not wait for
  std::unique_ptr<uint8_t[]> message_;
};

template <typename Sink>
void TlsRecordParser::feed(std::span<const uint8_t> bytes, Sink& sink, MemoryAccount& account) {
  while (!bytes.empty() && !stopped()) {
    if (recordRemaining_ == 0 && headerLength_ < 5) {
      size_t n = std::min<size_t>(5 - headerLength_, bytes.size());
      std::copy_n(bytes.data(), n, header_ + headerLength_);
      headerLength_ = static_cast<uint8_t>(headerLength_ + n);
      bytes = bytes.subspan(n);
      if (headerLength_ < 5) return;
      recordType_ = header_[0];
      recordLength_ = (uint32_t{header_[3]} << 8) | header_[4];
      if (recordType_ < content::kChangeCipherSpec || recordType_ > content::kHeartbeat || header_[1] != 3 ||
          header_[2] > 4)
        return fail(Stop::kNotTls, account);
      if (recordLength_ > kMaxRecordLength) return fail(Stop::kRecordTooLong, account);
      ++records_;
      sink.onRecord(recordType_);
      recordRemaining_ = recordLength_;
      headerLength_ = 0;
      if (recordLength_ == 0) continue;
    }
    size_t n = std::min<size_t>(recordRemaining_, bytes.size());
    auto chunk = bytes.first(n);
    uint32_t offset = recordLength_ - recordRemaining_;
    recordRemaining_ -= static_cast<uint32_t>(n);
    bytes = bytes.subspan(n);
    if (recordType_ == content::kHandshake && awaiting_) {
      handshakeBytes(chunk, sink, account);
    } else if (recordType_ == content::kAlert) {
      if (recordLength_ == 2) {
        for (size_t i = 0; i < n; ++i) alert_[offset + i] = chunk[i];
        if (recordRemaining_ == 0) sink.onAlert(alert_[0], alert_[1]);
      } else if (recordRemaining_ == 0) {
        sink.onEncryptedAlert();
      }
    }
  }
}

template <typename Sink>
void TlsRecordParser::handshakeBytes(std::span<const uint8_t> bytes, Sink& sink, MemoryAccount& account) {
  while (!bytes.empty() && awaiting_ && !stopped()) {
    if (messageSkip_ > 0) {
      size_t n = std::min<size_t>(messageSkip_, bytes.size());
      messageSkip_ -= static_cast<uint32_t>(n);
      bytes = bytes.subspan(n);
      continue;
    }
    if (!message_) {
      size_t n = std::min<size_t>(4 - messageHeaderLength_, bytes.size());
      std::copy_n(bytes.data(), n, messageHeader_ + messageHeaderLength_);
      messageHeaderLength_ = static_cast<uint8_t>(messageHeaderLength_ + n);
      bytes = bytes.subspan(n);
      if (messageHeaderLength_ < 4) return;
      messageHeaderLength_ = 0;
      uint32_t length =
          (uint32_t{messageHeader_[1]} << 16) | (uint32_t{messageHeader_[2]} << 8) | messageHeader_[3];
      if (messageHeader_[0] != awaitedType_) {
        messageSkip_ = length;
        continue;
      }
      if (length > maxMessage_) return fail(Stop::kMessageTooLong, account);
      if (length <= bytes.size()) {  // the whole message is in this chunk (the usual case): no copy
        const auto body = bytes.first(length);
        bytes = bytes.subspan(length);
        awaiting_ = sink.onHandshake(awaitedType_, body);
        continue;
      }
      messageLength_ = length;
      messageHave_ = 0;
      message_ = std::make_unique_for_overwrite<uint8_t[]>(std::max<uint32_t>(length, 1));
      account.add(length);
    }
    size_t n = std::min<size_t>(messageLength_ - messageHave_, bytes.size());
    std::copy_n(bytes.data(), n, message_.get() + messageHave_);
    messageHave_ += static_cast<uint32_t>(n);
    bytes = bytes.subspan(n);
    if (messageHave_ == messageLength_) {
      awaiting_ = sink.onHandshake(awaitedType_, std::span<const uint8_t>(message_.get(), messageLength_));
      release(account);
    }
  }
}

}  // namespace netmeter::tls
