#include "modules/dns/dns_module.h"

#include <algorithm>
#include <string>
#include <vector>

#include "modules/app/printable_text.h"
#include "modules/app/tcp_stream.h"
#include "modules/dns/dns_parser.h"

namespace netmeter {

namespace {

// What the DNS analyzer keeps per connection: its last transactions (queries and whether they were
// answered) and, over TCP, the partial message of each direction.
struct DnsConnectionState : ConnectionAnalysisState {
  struct Query {
    uint16_t id = 0;
    bool used = false;
    bool answered = false;
    PacketTime time = 0;  // of the transaction's first query
  };
  static constexpr size_t kPendingQueries = 8;
  std::array<Query, kPendingQueries> queries;  // a ring; the newest is before nextQuery
  uint8_t nextQuery = 0;
  // TCP only.
  std::array<TcpStreamCursor, 2> stream;
  // Bytes of a message not complete yet (length prefix included).
  std::array<std::vector<uint8_t>, 2> partial;
  std::array<uint32_t, 2> skip{};  // bytes of an oversized message still to skip
  std::string lastQuery;           // name of the last question asked (connection metadata)
  uint16_t lastQueryType = 0;
  const void* serverHint = nullptr;  // the server's record (EntityTable::findOrCreateHinted)
};

DnsConnectionState& stateOf(Connection& c, MemoryAccount& account) {
  if (c.app.analyzerState == nullptr) {
    auto s = std::make_unique<DnsConnectionState>();
    s->accountedBytes = sizeof(DnsConnectionState);
    account.add(s->accountedBytes);
    c.app.analyzerState = std::move(s);
  }
  return static_cast<DnsConnectionState&>(*c.app.analyzerState);
}

// The connection's newest transaction with this id, or null.
DnsConnectionState::Query* newestTransaction(DnsConnectionState& s, uint16_t id) {
  for (size_t i = 1; i <= DnsConnectionState::kPendingQueries; ++i) {
    DnsConnectionState::Query& q = s.queries[(s.nextQuery + DnsConnectionState::kPendingQueries - i) %
                                             DnsConnectionState::kPendingQueries];
    if (q.used && q.id == id) return &q;
  }
  return nullptr;
}

uint16_t be16(const uint8_t* p) {
  return uint16_t(p[0] << 8 | p[1]);
}

// The question of `m` becomes the connection's metadata (its last query).
void rememberQuestion(DnsConnectionState& s, const DnsMessage& m, MemoryAccount& account) {
  if (!m.hasQuestion) return;
  const int64_t before = s.lastQuery.capacity() > 15 ? int64_t(s.lastQuery.capacity()) : 0;
  assignPrintable(s.lastQuery, m.name());
  s.lastQueryType = m.qtype;
  const int64_t grown = (s.lastQuery.capacity() > 15 ? int64_t(s.lastQuery.capacity()) : 0) - before;
  s.accountedBytes += grown;
  account.add(grown);
}

}  // namespace

const DnsModule::Query* DnsModule::lastQuery(const Connection& c, Query& out) {
  if (c.app.analyzer != AppAnalyzer::kDns || c.app.analyzerState == nullptr) return nullptr;
  const auto& s = static_cast<const DnsConnectionState&>(*c.app.analyzerState);
  if (s.lastQueryType == 0 && s.lastQuery.empty()) return nullptr;
  out.name = s.lastQuery;
  out.type = s.lastQueryType;
  return &out;
}

bool DnsModule::recognizes(const L7Payload& payload) {
  const Connection& c = payload.connection;
  if (c.serverPort != 53 && c.clientPort != 53) return false;
  std::span<const uint8_t> b = payload.bytes;
  // The message goes on beyond these bytes: the capture's snap length cut the packet, or its IP
  // header claims more than the frame holds (the rest was lost on the way: tshark reads such a
  // message as far as it goes too).
  const MalformedReason damage = payload.packet.malformed;
  bool cut = b.size() < payload.wireLength || damage == MalformedReason::kBadIpv4TotalLength ||
             damage == MalformedReason::kBadIpv6PayloadLength;
  if (payload.tcp()) {  // a length prefix, then the message, possibly split over segments
    if (b.size() < 2 || be16(b.data()) < 12) return false;
    const size_t length = be16(b.data());
    b = b.subspan(2);
    if (b.size() < 12) return true;
    cut |= b.size() < length;
  }
  return looksLikeDns(b, cut);
}

void DnsModule::onPayload(const L7Payload& payload, HostNameTable& names, MemoryAccount& account) {
  if (!payload.tcp()) {
    onMessage(payload, payload.bytes, names, account);
    return;
  }
  DnsConnectionState& s = stateOf(payload.connection, account);
  const size_t d = payload.direction;
  const TcpStreamCursor::Piece piece =
      s.stream[d].advance(payload.packet.tcpSeq, payload.bytes, payload.wireLength);
  std::vector<uint8_t>& partial = s.partial[d];
  const int64_t capacityBefore = int64_t(partial.capacity());
  if (piece.gapBefore) {  // lost bytes: the next segment is taken to start a message
    partial.clear();
    s.skip[d] = 0;
  }
  std::span<const uint8_t> in = piece.bytes;
  while (!in.empty()) {
    if (s.skip[d] != 0) {
      const size_t n = std::min<size_t>(s.skip[d], in.size());
      s.skip[d] -= uint32_t(n);
      in = in.subspan(n);
      continue;
    }
    if (partial.empty() && in.size() >= 2 && size_t(be16(in.data())) + 2 <= in.size()) {
      const size_t length = be16(in.data());  // a whole message in this segment: no copy
      onMessage(payload, in.subspan(2, length), names, account);
      in = in.subspan(length + 2);
      continue;
    }
    // Collect the length prefix, then the message.
    const size_t want = partial.size() < 2 ? 2 : 2 + size_t(be16(partial.data()));
    const size_t n = std::min(want - partial.size(), in.size());
    partial.insert(partial.end(), in.begin(), in.begin() + n);
    in = in.subspan(n);
    if (partial.size() == 2 && be16(partial.data()) > kMaxTcpMessage) {
      s.skip[d] = be16(partial.data());
      partial.clear();
      continue;
    }
    if (partial.size() >= 2 && partial.size() == 2 + size_t(be16(partial.data()))) {
      onMessage(payload, std::span<const uint8_t>(partial).subspan(2), names, account);
      partial.clear();
    }
  }
  if (TcpStreamCursor::truncated(payload.bytes, payload.wireLength)) {  // the rest was not captured
    partial.clear();
    s.skip[d] = 0;
    s.stream[d].started = false;
  }
  if (partial.empty() && partial.capacity() > 512) std::vector<uint8_t>().swap(partial);
  const int64_t grown = int64_t(partial.capacity()) - capacityBefore;
  s.accountedBytes += grown;
  account.add(grown);
}

void DnsModule::onMessage(const L7Payload& payload, std::span<const uint8_t> message, HostNameTable& names,
                          MemoryAccount& account) {
  DnsMessage m;
  const DnsParseResult result = parseDnsMessage(message, m);
  if (result == DnsParseResult::kTooShort) return;
  const DecodedPacket& p = payload.packet;
  const IpAddress& server = m.response ? p.srcIp : p.dstIp;
  DnsConnectionState& s = stateOf(payload.connection, account);
  DnsServerRecord& r = servers_.findOrCreateHinted(server, s.serverHint, account);
  const PacketTime t = payload.time();
  if (result != DnsParseResult::kOk) ++r.malformed;
  if (!m.response) {
    r.add(t, {1, 0}, account);
    if (m.hasQuestion) ++r.queryTypes[dnsTypeSlot(m.qtype)];
    rememberQuestion(s, m, account);
    // The same id again before the answer, within kRetransmissionWindow: a retransmission (or a
    // duplicate), whose reply is timed from the first query. Otherwise a new transaction.
    const DnsConnectionState::Query* last = newestTransaction(s, m.id);
    if (last != nullptr && !last->answered && t - last->time < kRetransmissionWindow) return;
    DnsConnectionState::Query& q = s.queries[s.nextQuery];
    s.nextQuery = uint8_t((s.nextQuery + 1) % DnsConnectionState::kPendingQueries);
    q = {m.id, true, false, t};
    return;
  }
  if (s.lastQuery.empty()) rememberQuestion(s, m, account);  // the query was not seen
  r.add(t, {0, 1}, account);
  ++r.replyCodes[m.rcode];
  // A reply answers the newest transaction with its id; a second reply to it (retransmitted or
  // duplicated) is not timed again.
  if (DnsConnectionState::Query* q = newestTransaction(s, m.id); q != nullptr && !q->answered) {
    const PacketTime rt = std::max<PacketTime>(0, t - q->time);  // a reply captured before its query: 0
    r.responseTime.add(rt);
    r.add(t, {0, 0, 1, uint64_t(rt)}, account);
    q->answered = true;
  }
  if (m.rcode == 0 && m.hasQuestion && m.nameLength != 0) {
    for (uint8_t i = 0; i < m.addressCount; ++i) {
      names.learn(m.addresses[i], m.name(), NameSource::kDns, t, account);
      resolved_.learn(m.addresses[i], m.name(), NameSource::kDns, t, account);
    }
  }
}

}  // namespace netmeter
