#include "modules/http/http_module.h"

#include <algorithm>
#include <string>

#include "core/text.h"
#include "modules/app/printable_text.h"
#include "modules/app/tcp_stream.h"
#include "modules/http/http_parser.h"

namespace netmeter {

namespace {

int64_t stringHeap(const std::string& s) {
  return s.capacity() > 15 ? int64_t(s.capacity()) + 1 : 0;
}

// The server's bytes may begin a status line ("HTTP/"): a prefix of it counts, the rest may follow.
bool startsLikeStatusLine(std::span<const uint8_t> bytes) {
  constexpr std::string_view kStart = "HTTP/";
  const std::string_view t = bytesAsText(bytes.subspan(0, std::min(bytes.size(), kStart.size())));
  return kStart.starts_with(t);
}

// An absolute-form request target ("http://host/path"), which clients send to proxies.
bool isAbsoluteUri(std::string_view target) {
  return startsWithNoCase(target, "http://") || startsWithNoCase(target, "https://");
}

}  // namespace

// Reads one direction of an HTTP/1.x stream: heads are collected, bodies skipped by their framing.
struct HttpDirectionReader {
  enum class State : uint8_t {
    kHead,
    kBody,
    kChunkSize,
    kChunkData,
    kTrailer,
    kUntilClose,  // a body delimited by the connection's end
    kLost,        // framing lost: waits for a message start
    kTunnelWait,  // client, after a CONNECT head: its bytes are held (`buffer`) until the answer
    kSwitched,    // the stream is no longer HTTP (101, a CONNECT tunnel)
  };
  State state = State::kHead;
  std::string buffer;  // partial head, chunk-size or trailer line; kTunnelWait: the held bytes
  uint64_t remaining = 0;
  PacketTime headStart = 0;  // packet time of the head's (kTunnelWait: the held bytes') first byte
  // Since the last response head (server side): the stream lost its framing (a hole it could not
  // skip, an unparsable or oversized head), so responses may have been missed; and how many
  // requests were made after the latest such loss (their responses cannot have been in the hole).
  bool lostSync = false;
  uint32_t requestsSinceLoss = 0;

  void bodyAfterHead(int64_t contentLength, bool chunked) {
    buffer.clear();
    if (chunked)
      state = State::kChunkSize;
    else if (contentLength > 0)
      state = State::kBody, remaining = uint64_t(contentLength);
    else
      state = State::kHead;
  }
  // `n` bytes of the stream were not seen (lost, or not captured).
  void lose(uint64_t n) {
    if (n == 0) return;
    if ((state == State::kBody || state == State::kChunkData) && n <= remaining) {
      remaining -= n;
      if (remaining == 0) state = state == State::kBody ? State::kHead : State::kChunkSize;
      return;
    }
    if (state != State::kUntilClose && state != State::kSwitched) {
      state = State::kLost;
      lostSync = true;
      requestsSinceLoss = 0;
    }
    buffer.clear();
  }
};

struct HttpConnectionState : ConnectionAnalysisState {
  struct Request {
    PacketTime time = 0;
    bool head = false;              // HEAD: the response has no body
    bool connect = false;           // CONNECT: a 2xx response starts a tunnel
    bool simple = false;            // HTTP/0.9: the response is a body without head, until the end
    uint32_t endSeq = 0;            // sequence number of the client's byte after the request head
    size_t transaction = SIZE_MAX;  // index in `transactions` counted from `firstIndex`
  };
  std::array<TcpStreamCursor, 2> stream;
  std::array<HttpDirectionReader, 2> reader;
  static constexpr size_t kMaxPending = 16;
  explicit HttpConnectionState(size_t transactionsKept) : transactions(transactionsKept) {}

  BoundedQueue<Request> pending{kMaxPending};  // requests waiting for their response
  BoundedQueue<HttpTransaction> transactions;  // the last N (HttpModule::setTransactionsPerConnection)
  size_t firstIndex = 0;            // index of transactions.front() among all transactions of the connection
  PacketTime maxResponseTime = -1;  // longest response time of the connection (all its transactions)
  // The client's acknowledgement number in its first payload while the server has sent none: where
  // the server's stream stands, so a capture that misses the server's first bytes sees that hole.
  uint32_t serverAckHint = 0;
  bool hasServerAckHint = false;
  std::unique_ptr<InnerStream> tunnel;  // after a 2xx answer to CONNECT

  // Feeds in-order bytes of direction d; calls the module for complete heads. Returns how many bytes
  // of `in` were left when the stream stopped being HTTP (a protocol switch, a tunnel), else 0.
  size_t feed(HttpModule& m, const L7Payload& payload, std::span<const uint8_t> in, HostNameTable& names,
              MemoryAccount& account);
  // Hands a piece of the tunnel to its reader; the reader's state is accounted as part of this one.
  void readTunnel(Connection& c, const TcpStreamPiece& piece, InnerStreamReader* tunnelReader,
                  MemoryAccount& account) {
    if (tunnelReader == nullptr) {
      tunnel->reader = InnerStream::Reader::kNone;
      c.app.analyzerDone = true;
      return;
    }
    const int64_t before = tunnelStateBytes();
    tunnelReader->read(c, *tunnel, piece, account);
    accountedBytes += tunnelStateBytes() - before;  // the reader charged the shard's account itself
  }
  int64_t tunnelStateBytes() const {
    return tunnel != nullptr && tunnel->state != nullptr ? tunnel->state->accountedBytes : 0;
  }
  // The first response head after the server's stream lost its framing: the responses in the hole
  // answered some of the waiting requests, which are closed as unanswered instead of taking later
  // responses (one lost response would shift every later pair). The head answers the oldest request
  // made after the latest loss (pipelined requests stay in order), or, when there is none, the
  // newest one made before it (no earlier request can be answered after it).
  void skipUnanswered() {
    HttpDirectionReader& server = reader[kServerToClient];
    const size_t after = std::min<size_t>(server.requestsSinceLoss, pending.size());
    const size_t unanswered = after > 0 ? pending.size() - after : pending.empty() ? 0 : pending.size() - 1;
    for (size_t i = 0; i < unanswered; ++i) pending.pop_front();
    server.lostSync = false;
  }
  // A complete head of payload's direction, read by `r`.
  // `endSeq`: the sequence number of the byte after it.
  void onHead(HttpModule& m, const L7Payload& payload, const HttpDirectionReader& r, std::string_view head,
              uint32_t endSeq, HostNameTable& names, MemoryAccount& account);
  // A response (status 0: HTTP/0.9's, without status line) whose first byte came at `start` answers
  // the oldest waiting request: its response time and transaction. Returns that request (a default
  // one when none waited).
  Request answer(const L7Payload& payload, HttpServerRecord& server, PacketTime start, uint16_t status,
                 MemoryAccount& account) {
    if (pending.empty()) return {};
    const Request request = pending.front();
    pending.pop_front();
    const PacketTime rt = std::max<PacketTime>(0, start - request.time);
    server.responseTime.add(rt);
    server.add(payload.time(), {0, 0, 1, uint64_t(rt)}, account);
    maxResponseTime = std::max(maxResponseTime, rt);
    if (request.transaction >= firstIndex && request.transaction - firstIndex < transactions.size()) {
      HttpTransaction& tr = transactions[request.transaction - firstIndex];
      tr.status = status;
      tr.responseTime = rt;
    }
    return request;
  }
  int64_t heapBytes() const {
    int64_t n = stringHeap(reader[0].buffer) + stringHeap(reader[1].buffer) +
                int64_t(pending.capacityBytes()) + int64_t(transactions.capacityBytes()) +
                (tunnel != nullptr ? int64_t(sizeof(InnerStream)) : 0);
    for (const HttpTransaction& t : transactions) n += t.heapBytes();
    return n;
  }
};

int64_t HttpTransaction::heapBytes() const {
  return stringHeap(method) + stringHeap(host) + stringHeap(url);
}

void HttpServerRecord::setLastUrl(std::string_view url, PacketTime t, MemoryAccount& account) {
  account.add(-stringHeap(lastUrl));
  assignPrintable(lastUrl, url);
  if (url.empty()) lastUrl.shrink_to_fit();
  account.add(stringHeap(lastUrl));
  lastUrlTime = t;
}

bool HttpModule::recognizes(const L7Payload& payload) {
  if (!payload.tcp()) return false;
  if (!payload.fromClient()) return looksLikeHttpResponse(payload.bytes);
  // The connection's first payload may be only the start of a method: the request line comes in
  // pieces, each too short to recognize (the HTTP reader joins them). Only the first one, where a
  // request would begin, so that no later fragment of another protocol is taken for one.
  return looksLikeHttpRequest(payload.bytes) ||
         (payload.connection.app.undecidedPayloads == 0 && beginsLikeHttpRequest(payload.bytes));
}

const BoundedQueue<HttpTransaction>* HttpModule::transactions(const Connection& c) {
  if (c.app.analyzer != AppAnalyzer::kHttp || c.app.analyzerState == nullptr) return nullptr;
  return &static_cast<const HttpConnectionState&>(*c.app.analyzerState).transactions;
}

PacketTime HttpModule::maxResponseTime(const Connection& c) {
  if (c.app.analyzer != AppAnalyzer::kHttp || c.app.analyzerState == nullptr) return -1;
  return static_cast<const HttpConnectionState&>(*c.app.analyzerState).maxResponseTime;
}

const InnerStream* HttpModule::tunnel(const Connection& c) {
  if (c.app.analyzer != AppAnalyzer::kHttp || c.app.analyzerState == nullptr) return nullptr;
  return static_cast<const HttpConnectionState&>(*c.app.analyzerState).tunnel.get();
}

void HttpModule::onPayload(const L7Payload& payload, HostNameTable& names, MemoryAccount& account,
                           InnerStreamReader* tunnelReader) {
  ConnectionApplication& app = payload.connection.app;
  if (app.analyzerState == nullptr) {
    auto s = std::make_unique<HttpConnectionState>(transactionsPerConnection_);
    s->accountedBytes = sizeof(HttpConnectionState);
    account.add(s->accountedBytes);
    app.analyzerState = std::move(s);
  }
  auto& s = static_cast<HttpConnectionState&>(*app.analyzerState);
  if (s.tunnel != nullptr) {  // inside a CONNECT tunnel: nothing of it is HTTP
    s.readTunnel(payload.connection, TcpStreamPiece::of(payload), tunnelReader, account);
    return;
  }
  const int64_t before = s.heapBytes();
  const size_t d = payload.direction;
  const uint32_t seq = payload.packet.tcpSeq;
  if (!s.stream[kServerToClient].started) {
    if (d == kClientToServer && !s.hasServerAckHint && (payload.packet.tcpFlags & tcpflag::kAck)) {
      s.serverAckHint = payload.packet.tcpAck;
      s.hasServerAckHint = true;
    } else if (d == kServerToClient && s.hasServerAckHint) {
      // The client had acknowledged up to the hint: server bytes between it and this segment were
      // sent but not captured (the capture began inside a response, or lost its first segments).
      if (const int32_t ahead = int32_t(seq - s.serverAckHint); ahead > 0 && ahead < (1 << 30)) {
        s.stream[d].started = true;
        s.stream[d].next = s.serverAckHint;
      }
    }
  }
  const TcpStreamCursor::Piece piece = s.stream[d].advance(seq, payload.bytes, payload.wireLength);
  if (piece.gapBefore) s.reader[d].lose(piece.missing);
  if (s.reader[d].state == HttpDirectionReader::State::kLost &&
      (d == kClientToServer ? looksLikeHttpRequest(piece.bytes) : looksLikeHttpResponse(piece.bytes))) {
    s.reader[d].state = HttpDirectionReader::State::kHead;  // resynchronised on a message start
  }
  const size_t rest = s.feed(*this, payload, piece.bytes, names, account);
  if (s.tunnel != nullptr) {
    // This payload's 2xx opened the tunnel. First the client bytes held since the CONNECT (sent
    // before the answer came), then what follows the 2xx head in this segment.
    HttpDirectionReader& client = s.reader[kClientToServer];
    if (!client.buffer.empty()) {
      const std::string early = std::move(client.buffer);
      client.buffer = std::string();
      const auto bytes = std::span(reinterpret_cast<const uint8_t*>(early.data()), early.size());
      s.readTunnel(payload.connection,
                   {kClientToServer, s.tunnel->start[kClientToServer], bytes, uint32_t(bytes.size()),
                    client.headStart},
                   tunnelReader, account);
    }
    const TcpStreamPiece tail = TcpStreamPiece::of(payload).from(payload.bytes.size() - rest);
    if (tail.wireLength > 0 && !app.analyzerDone)
      s.readTunnel(payload.connection, tail, tunnelReader, account);
  } else if (payload.bytes.size() < payload.wireLength) {
    s.reader[d].lose(payload.wireLength - payload.bytes.size());
  }
  const int64_t grown = s.heapBytes() - before;
  s.accountedBytes += grown;
  account.add(grown);
}

void HttpConnectionState::onHead(HttpModule& m, const L7Payload& payload, const HttpDirectionReader& r,
                                 std::string_view head, uint32_t endSeq, HostNameTable& names,
                                 MemoryAccount& account) {
  if (payload.direction == kClientToServer)
    m.onRequest(payload, *this, head, endSeq, names, account);
  else
    m.onResponse(payload, *this, head, r.headStart, endSeq, account);
}

size_t HttpConnectionState::feed(HttpModule& m, const L7Payload& payload, std::span<const uint8_t> in,
                                 HostNameTable& names, MemoryAccount& account) {
  using State = HttpDirectionReader::State;
  HttpDirectionReader& r = reader[payload.direction];
  // `in` is always a suffix of the payload's captured bytes: where it stands in the stream.
  const auto seqAt = [&](std::span<const uint8_t> rest) {
    return payload.packet.tcpSeq + uint32_t(payload.bytes.size() - rest.size());
  };
  while (!in.empty()) {
    switch (r.state) {
      case State::kUntilClose:
      case State::kLost:
        return 0;
      case State::kSwitched:
        return in.size();
      case State::kTunnelWait: {
        // Client bytes after a CONNECT before its answer (an optimistic client): held for the tunnel.
        if (r.buffer.empty()) r.headStart = payload.time();
        if (r.buffer.size() + in.size() > HttpModule::kMaxHead) {
          r.lose(1);  // too much to hold: the tunnel's reader will see the hole
          return 0;
        }
        r.buffer.append(bytesAsText(in));
        return 0;
      }
      case State::kBody:
      case State::kChunkData: {
        const uint64_t n = std::min<uint64_t>(r.remaining, in.size());
        r.remaining -= n;
        in = in.subspan(n);
        if (r.remaining == 0) r.state = r.state == State::kBody ? State::kHead : State::kChunkSize;
        break;
      }
      case State::kHead: {
        const bool client = payload.direction == kClientToServer;
        if (r.buffer.empty()) {
          if (!client && !pending.empty() && pending.front().simple && !startsLikeStatusLine(in)) {
            m.onSimpleResponse(payload, *this, account);  // HTTP/0.9: the body from the first byte
            return 0;
          }
          while (!in.empty() && (in[0] == '\r' || in[0] == '\n'))
            in = in.subspan(1);  // CRLF between messages
          if (in.empty()) return 0;
          r.headStart = payload.time();
          // The whole head in this segment (the common case): parsed where it is, not buffered.
          const std::string_view here = bytesAsText(in.subspan(0, std::min(in.size(), HttpModule::kMaxHead)));
          size_t headLength = client ? findSimpleRequestEnd(here) : 0;
          if (headLength == 0) headLength = findHeadEnd(here);
          if (headLength != 0) {
            in = in.subspan(headLength);
            onHead(m, payload, r, here.substr(0, headLength), seqAt(in), names, account);
            break;
          }
        }
        // An empty buffer gets the bytes just scanned above, which hold no end: not scanned again.
        const bool scanned = r.buffer.empty();
        const size_t scanFrom = r.buffer.size() > 3 ? r.buffer.size() - 3 : 0;
        const size_t take = std::min(in.size(), HttpModule::kMaxHead - r.buffer.size());
        r.buffer.append(bytesAsText(in.subspan(0, take)));
        // A client's head may be an HTTP/0.9 request line, which ends at its line feed.
        const size_t simpleEnd = client && !scanned ? findSimpleRequestEnd(r.buffer) : 0;
        const size_t end =
            scanned || simpleEnd != 0 ? 0 : findHeadEnd(std::string_view(r.buffer).substr(scanFrom));
        if (end == 0 && simpleEnd == 0) {
          in = in.subspan(take);
          if (r.buffer.size() >= HttpModule::kMaxHead) r.lose(1);
          break;
        }
        const size_t headLength = simpleEnd != 0 ? simpleEnd : scanFrom + end;
        const size_t usedFromIn = take - (r.buffer.size() - headLength);
        in = in.subspan(usedFromIn);
        r.buffer.resize(headLength);
        std::string head;
        head.swap(r.buffer);
        onHead(m, payload, r, head, seqAt(in), names, account);
        break;
      }
      case State::kChunkSize:
      case State::kTrailer: {
        const size_t nl = bytesAsText(in).find('\n');
        const size_t take = nl == std::string_view::npos ? in.size() : nl + 1;
        if (r.buffer.size() + take > 1024) {
          r.lose(1);
          return 0;
        }
        r.buffer.append(bytesAsText(in.subspan(0, take)));
        in = in.subspan(take);
        if (nl == std::string_view::npos) break;
        std::string_view line = r.buffer;
        while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
        if (r.state == State::kTrailer) {
          if (line.empty()) r.state = State::kHead;
          r.buffer.clear();
          break;
        }
        if (line.empty()) {  // the CRLF that ends the previous chunk's data
          r.buffer.clear();
          break;
        }
        uint64_t size = 0;
        size_t digits = 0;
        for (char c : line) {
          const int v = c >= '0' && c <= '9'   ? c - '0'
                        : c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                               : -1;
          if (v < 0) break;
          if (++digits > 15) break;
          size = size * 16 + uint64_t(v);
        }
        r.buffer.clear();
        if (digits == 0) {
          r.lose(1);
          return 0;
        }
        if (size == 0)
          r.state = State::kTrailer;
        else
          r.state = State::kChunkData, r.remaining = size;
        break;
      }
    }
  }
  return 0;
}

void HttpModule::onRequest(const L7Payload& payload, HttpConnectionState& s, std::string_view head,
                           uint32_t endSeq, HostNameTable& names, MemoryAccount& account) {
  HttpRequestHead req;
  HttpDirectionReader& r = s.reader[kClientToServer];
  if (!parseHttpRequestHead(head, req)) {
    r.lose(1);
    return;
  }
  r.bodyAfterHead(req.contentLength, req.chunked);
  const PacketTime t = payload.time();
  Connection& c = payload.connection;
  HttpServerRecord& server =
      servers_.findOrCreateHinted(c.serverIp, c.records.hint(kServerToClient, &IpHints::httpServer), account);
  server.add(t, {1, 0}, account);
  const std::string_view url = req.target.substr(0, HttpTransaction::kMaxUrl);
  server.setLastUrl(url, t, account);
  HttpTransaction tr;
  tr.requestTime = t;
  assignPrintable(tr.method, req.method.substr(0, 16));
  assignPrintable(tr.host, req.host.substr(0, HostNameTable::kMaxNameLength));
  assignPrintable(tr.url, url);
  const bool connect = req.method == "CONNECT";
  if (!req.host.empty() && req.host.size() <= HostNameTable::kMaxNameLength) {
    std::string host = tr.host;
    for (char& ch : host) ch = ch >= 'A' && ch <= 'Z' ? char(ch - 'A' + 'a') : ch;
    server.hostNames.learn(host, NameSource::kHttp, t, account);
    // A request to a proxy (CONNECT's authority form, or an absolute URI: RFC 9112 §3.2) names the
    // origin server, not the one it is sent to: the proxy's address does not get that name.
    if (!connect && !isAbsoluteUri(req.target))
      names.learn(c.serverIp, host, NameSource::kHttp, t, c.records.hint(kServerToClient, &IpHints::names),
                  account);
  }
  if (s.transactions.push_back(std::move(tr))) ++s.firstIndex;  // the oldest was dropped
  if (uint32_t& since = s.reader[kServerToClient].requestsSinceLoss; since < UINT32_MAX) ++since;
  s.pending.push_back(
      {t, req.method == "HEAD", connect, req.simple, endSeq, s.firstIndex + s.transactions.size() - 1});
  // What the client sends next is HTTP again only if the proxy refuses the tunnel.
  if (connect) r.state = HttpDirectionReader::State::kTunnelWait;
}

void HttpModule::onSimpleResponse(const L7Payload& payload, HttpConnectionState& s, MemoryAccount& account) {
  HttpDirectionReader& r = s.reader[kServerToClient];
  HttpServerRecord& server = servers_.findOrCreateHinted(
      payload.connection.serverIp, payload.connection.records.hint(kServerToClient, &IpHints::httpServer),
      account);
  server.add(payload.time(), {0, 1}, account);
  ++server.statusFamilies[httpStatusFamily(0)];  // no status line: "other"
  if (r.lostSync) s.skipUnanswered();
  s.answer(payload, server, payload.time(), 0, account);
  r.state = HttpDirectionReader::State::kUntilClose;
}

void HttpModule::onResponse(const L7Payload& payload, HttpConnectionState& s, std::string_view head,
                            PacketTime start, uint32_t endSeq, MemoryAccount& account) {
  HttpResponseHead res;
  HttpDirectionReader& r = s.reader[kServerToClient];
  if (!parseHttpResponseHead(head, res)) {
    r.lose(1);
    return;
  }
  HttpServerRecord& server = servers_.findOrCreateHinted(
      payload.connection.serverIp, payload.connection.records.hint(kServerToClient, &IpHints::httpServer),
      account);
  server.add(payload.time(), {0, 1}, account);
  ++server.statusFamilies[httpStatusFamily(res.status)];
  const bool informational = res.status >= 100 && res.status < 200 && res.status != 101;
  if (r.lostSync) s.skipUnanswered();
  if (informational) {  // 100 Continue and friends: the final response follows
    r.bodyAfterHead(0, false);
    return;
  }
  const HttpConnectionState::Request request = s.answer(payload, server, start, res.status, account);
  HttpDirectionReader& client = s.reader[kClientToServer];
  if (res.status == 101 || (request.connect && res.status >= 200 && res.status < 300)) {
    // Protocol switch or tunnel: what follows is not HTTP/1.x. The client's held bytes (kTunnelWait)
    // are the tunnel's first; a partial head of another state is not.
    if (client.state != HttpDirectionReader::State::kTunnelWait) client.buffer.clear();
    r.state = HttpDirectionReader::State::kSwitched;
    client.state = HttpDirectionReader::State::kSwitched;
    if (res.status == 101) {
      client.buffer.clear();
      payload.connection.app.analyzerDone = true;  // nothing more to read (no analyzer for WebSocket, h2c)
      return;
    }
    s.tunnel = std::make_unique<InnerStream>();
    s.tunnel->start[kClientToServer] = request.endSeq;
    s.tunnel->start[kServerToClient] = endSeq;
    return;
  }
  if (request.connect && client.state == HttpDirectionReader::State::kTunnelWait) {
    // The proxy refused the tunnel: the client speaks HTTP again. Bytes it sent in between were meant
    // for the tunnel: the client's stream resyncs on its next request.
    if (client.buffer.empty())
      client.state = HttpDirectionReader::State::kHead;
    else
      client.lose(1);
  }
  if (request.head || res.status == 204 || res.status == 304)
    r.bodyAfterHead(0, false);
  else if (res.chunked || res.contentLength >= 0)
    r.bodyAfterHead(res.contentLength, res.chunked);
  else
    r.state = HttpDirectionReader::State::kUntilClose;  // delimited by the connection's end
}

}  // namespace netmeter
