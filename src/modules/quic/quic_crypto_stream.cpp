#include "modules/quic/quic_crypto_stream.h"

#include <algorithm>

#include "modules/quic/quic_google.h"

namespace netmeter::quic {

void QuicCryptoStream::add(uint64_t offset, std::span<const uint8_t> data, MemoryAccount& account) {
  if (state_ != State::kCollecting || data.empty()) return;
  uint64_t end = offset + data.size();
  uint64_t limit = total_ != 0 ? total_ : maxBytes_;
  if (offset >= limit) return;  // beyond the ClientHello: later handshake messages
  if (end > limit) {
    if (total_ == 0) return fail(account);  // more than maxBytes before the length is known
    data = data.first(limit - offset);
    end = limit;
  }
  if (end > buffer_.size()) {
    int64_t before = heapBytes();
    buffer_.resize(end);
    account.add(heapBytes() - before);
  }
  std::copy(data.begin(), data.end(), buffer_.begin() + static_cast<ptrdiff_t>(offset));
  insertRange(static_cast<uint32_t>(offset), static_cast<uint32_t>(end));
  if (ranges_.overflow) return fail(account);
  if (ranges_.size == 0 || ranges_.values[0].begin != 0) return;
  uint32_t contiguous = ranges_.values[0].end;
  if (total_ == 0) {
    uint64_t total = 0;
    if (framing_ == Framing::kGoogle)
      total = googleMessageLength(std::span<const uint8_t>(buffer_.data(), contiguous));
    else if (contiguous >= 4)
      total = 4 + ((uint32_t{buffer_[1]} << 16) | (uint32_t{buffer_[2]} << 8) | buffer_[3]);
    if (total > maxBytes_) return fail(account);
    total_ = static_cast<uint32_t>(total);
  }
  if (total_ != 0 && contiguous >= total_) state_ = State::kComplete;
}

void QuicCryptoStream::insertRange(uint32_t begin, uint32_t end) {
  // Merge with every range that overlaps or touches [begin, end), keep the list sorted.
  tls::FixedList<Range, 32> merged;
  bool placed = false;
  for (const Range& r : ranges_) {
    if (r.end < begin) {
      merged.push(r);
    } else if (r.begin > end) {
      if (!placed) merged.push({begin, end});
      placed = true;
      merged.push(r);
    } else {
      begin = std::min(begin, r.begin);
      end = std::max(end, r.end);
    }
  }
  if (!placed) merged.push({begin, end});
  ranges_ = merged;
}

void QuicCryptoStream::release(MemoryAccount& account) {
  account.add(-heapBytes());
  buffer_ = std::vector<uint8_t>();
}

}  // namespace netmeter::quic
