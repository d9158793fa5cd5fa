#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "flow/connection.h"
#include "modules/app/l7_payload.h"
#include "store/memory_account.h"

namespace netmeter {

// The stream a connection carries after a protocol switch of its own: the bytes inside an HTTP
// CONNECT tunnel (after the CONNECT and its 2xx), the TLS after a STARTTLS upgrade (after the
// command and its positive answer). The analyzer that read the connection until then owns it
// (allocated only for such connections) and with it the state of the analyzer that reads the inner
// stream (TLS), so that a connection keeps its one analyzer slot.
struct InnerStream {
  enum class Reader : uint8_t {
    kUndecided,  // no byte of the inner stream seen yet
    kTls,        // its first bytes began like TLS: `state` is TlsModule's
    kNone,       // anything else: nobody reads it
  };
  Reader reader = Reader::kUndecided;
  // Whether names the inner stream asks for (TLS SNI) name the connection's server address: yes after
  // STARTTLS (the mail server itself), no inside a CONNECT tunnel (the origin server behind the proxy).
  bool namesServer = false;
  std::array<uint32_t, 2> start{};  // per Direction, the sequence number of the stream's first byte
  std::unique_ptr<ConnectionAnalysisState> state;  // of `reader`; its bytes are in the owner's account
};

// Reads an inner stream (the application dispatch hands it to TLS). The owning analyzer calls it with
// every piece of the stream in packet order (a packet's piece, bytes it held for the stream), a few
// times per packet at most, and adds the growth of `stream.state->accountedBytes` to its own state's.
class InnerStreamReader {
 public:
  virtual void read(Connection& c, InnerStream& stream, const TcpStreamPiece& piece,
                    MemoryAccount& account) = 0;

 protected:
  ~InnerStreamReader() = default;
};

}  // namespace netmeter
