#pragma once

#include <array>
#include <memory>

#include "core/ip_address.h"
#include "modules/app/host_names.h"
#include "modules/app/inner_stream.h"
#include "modules/app/l7_payload.h"
#include "modules/common/bounded_queue.h"
#include "modules/common/keyed_stats.h"
#include "modules/http/http_records.h"

namespace netmeter {

struct HttpConnectionState;

// HTTP/1.x: follows requests and responses on a connection (heads parsed, bodies skipped by
// Content-Length or chunked framing, pipelining matched in order; after a response stream lost its
// framing, the requests whose responses may have been in the hole are closed unanswered), and keeps
// per server the host names asked for, responses with response time, status code families and the
// last URL; per connection the last N request/response pairs (transactionsPerConnection, default 1)
// and the longest response time. Host headers become alternative names of the server.
//
// A protocol switch ends the HTTP analysis of a connection: after `101 Switching Protocols` (WebSocket,
// h2c) nothing more is read (Connection::app.analyzerDone); after a 2xx answer to CONNECT the stream is
// a tunnel (an InnerStream owned by the HTTP state), whose bytes from the one after each direction's
// last head (the CONNECT, the 2xx) go to `tunnelReader`: client bytes sent after the CONNECT before the
// answer came (at most kMaxHead, held meanwhile), then the rest of the segment that ends the 2xx head, then
// every later segment. Any other answer to CONNECT (407, ...) leaves the stream HTTP.
class HttpModule {
 public:
  static constexpr size_t kMaxHead = 16 * 1024;  // a longer head is not read (the stream resyncs)

  static bool recognizes(const L7Payload& payload);
  void onPayload(const L7Payload& payload, HostNameTable& names, MemoryAccount& account,
                 InnerStreamReader* tunnelReader = nullptr);
  void setTransactionsPerConnection(uint32_t n) { transactionsPerConnection_ = n == 0 ? 1 : n; }

  void compact(int64_t nowSecond, const RetentionPolicy& policy, MemoryAccount& account) {
    servers_.compact(nowSecond, policy, account);
  }
  void dropBefore(int64_t second, MemoryAccount& account) { servers_.dropBefore(second, account); }
  size_t evictBefore(PacketTime before, MemoryAccount& account) {
    return servers_.evictBefore(before, account);
  }
  void mergeFrom(const HttpModule& o, MemoryAccount& account) { servers_.mergeFrom(o.servers_, account); }

  const KeyedStats<IpAddress, HttpServerRecord>& servers() const { return servers_; }
  // The transactions kept for a connection, oldest first (empty when it is not HTTP).
  static const BoundedQueue<HttpTransaction>* transactions(const Connection& c);
  // The longest response time of all the connection's transactions (kept or not); -1 without any.
  static PacketTime maxResponseTime(const Connection& c);
  // The stream inside the connection's CONNECT tunnel; null when it has none.
  static const InnerStream* tunnel(const Connection& c);

 private:
  friend struct HttpConnectionState;
  void onRequest(const L7Payload& payload, HttpConnectionState& s, std::string_view head, uint32_t endSeq,
                 HostNameTable& names, MemoryAccount& account);
  void onResponse(const L7Payload& payload, HttpConnectionState& s, std::string_view head, PacketTime start,
                  uint32_t endSeq, MemoryAccount& account);
  // The server's first bytes after an HTTP/0.9 request: the response, a body without status line
  // or headers, runs to the connection's end.
  void onSimpleResponse(const L7Payload& payload, HttpConnectionState& s, MemoryAccount& account);

  KeyedStats<IpAddress, HttpServerRecord> servers_;
  uint32_t transactionsPerConnection_ = 1;
};

}  // namespace netmeter
