#pragma once

#include "decode/decoded_packet.h"
#include "decode/ip_bytes.h"
#include "flow/flow_table.h"
#include "modules/app/host_names.h"
#include "modules/app/l7_payload.h"
#include "modules/dns/dns_module.h"
#include "modules/http/http_module.h"
#include "modules/l7_analyzers.h"
#include "modules/quic/quic_module.h"
#include "modules/starttls/starttls_module.h"
#include "modules/tls/tls_module.h"

namespace netmeter {

// The application dispatch: offers every L7 payload (connection, direction, bytes, packet time) to the
// application analyzer that reads the connection, and holds those analyzers plus the alternative
// names they learn.
//
// A connection's analyzer (Connection::app.analyzer) is chosen from its first payload packets by
// asking each analyzer's `recognizes()`; after kMaxUndecidedPayloads payloads that none recognises,
// the connection is no longer looked at (AppAnalyzer::kNone), so unrecognised traffic costs one
// branch per packet; so does the rest of a connection whose analyzer has set `analyzerDone`. An analyzer
// keeps its per-connection state in Connection::app.analyzerState (a ConnectionAnalysisState it creates and
// accounts; released with the connection).
//
// To add an analyzer (TLS, QUIC, ...): a module class with `static bool recognizes(const L7Payload&)`,
// `onPayload(const L7Payload&, HostNameTable&, MemoryAccount&)` and the housekeeping hooks below;
// a value in AppAnalyzer (flow/connection_application.h) and a bit in L7Analyzers (its `--l7` name);
// a member here; one line in choose(), one case in onPacket()'s switch, one line in each
// housekeeping function (none for an analyzer without records of its own, as StartTlsModule).
//
// Inner streams: a connection whose protocol switches to TLS in-band keeps its one analyzer and state
// slot. After a 2xx answer to CONNECT (HttpModule) or a positive answer to STARTTLS (StartTlsModule),
// that analyzer hands the stream after the switch back to the dispatch (InnerToTls, an
// InnerStreamReader), which offers it to TLS when its first bytes begin like TLS; the TLS state then
// lives in the analyzer's state (InnerStream::state), so the connection reports both (its `http` or
// `starttls`, and its `tls`).
class ApplicationModule {
 public:
  static constexpr uint8_t kMaxUndecidedPayloads = 4;

  void onPacket(const DecodedPacket& p, IpBytes bytes, const FlowUpdate& flow, MemoryAccount& account) {
    Connection* c = flow.connection;
    if (c == nullptr || c->app.analyzer == AppAnalyzer::kNone || c->app.analyzerDone || !p.hasPorts) return;
    const std::span<const uint8_t> data = l4Payload(p, bytes);
    if (data.empty()) return;
    const L7Payload payload{*c, flow.direction, p, data, p.payloadLength};
    if (c->app.analyzer == AppAnalyzer::kUndecided && !choose(payload)) return;
    switch (c->app.analyzer) {
      case AppAnalyzer::kDns:
        dns.onPayload(payload, names, account);
        break;
      case AppAnalyzer::kHttp: {
        InnerToTls inner{*this};
        http.onPayload(payload, names, account, &inner);
        break;
      }
      case AppAnalyzer::kTls:
        tls.onPayload(payload, names, account);
        break;
      case AppAnalyzer::kQuic:
        quic.onPayload(payload, names, tls, account);
        break;
      case AppAnalyzer::kStartTls: {
        InnerToTls inner{*this};
        starttls.onPayload(payload, account, &inner);
        break;
      }
      case AppAnalyzer::kUndecided:
      case AppAnalyzer::kNone:
        break;
    }
  }

  void compact(int64_t nowSecond, const RetentionPolicy& policy, MemoryAccount& account) {
    dns.compact(nowSecond, policy, account);
    http.compact(nowSecond, policy, account);
    tls.compact(nowSecond, policy, account);
    quic.compact(nowSecond, policy, account);
  }
  void dropBefore(int64_t second, MemoryAccount& account) {
    dns.dropBefore(second, account);
    http.dropBefore(second, account);
    tls.dropBefore(second, account);
    quic.dropBefore(second, account);
  }
  size_t evictBefore(PacketTime before, MemoryAccount& account) {
    return names.evictBefore(before, account) + dns.evictBefore(before, account) +
           http.evictBefore(before, account) + tls.evictBefore(before, account) +
           quic.evictBefore(before, account);
  }
  void mergeFrom(const ApplicationModule& o, MemoryAccount& account) {
    names.mergeFrom(o.names, account);
    dns.mergeFrom(o.dns, account);
    http.mergeFrom(o.http, account);
    tls.mergeFrom(o.tls, account);
    quic.mergeFrom(o.quic, account);
  }

  L7Analyzers enabled;  // the analyzers choose() may pick (`--l7`); the others never see a payload
  HostNameTable names;  // alternative names per IP, from every analyzer
  DnsModule dns;
  HttpModule http;
  TlsModule tls;    // TLS over TCP; also counts QUIC ClientHellos per client
  QuicModule quic;  // QUIC Initial decryption, the QUIC TLS server table
  StartTlsModule starttls;  // SMTP, IMAP, POP3, FTP until STARTTLS (no records of its own)

 private:
  // Reads an inner stream (a CONNECT tunnel, the TLS after STARTTLS): TLS when its first bytes (of
  // either direction, from the stream's start) begin like TLS, else nothing.
  struct InnerToTls final : InnerStreamReader {
    ApplicationModule& app;
    explicit InnerToTls(ApplicationModule& a) : app(a) {}
    void read(Connection& c, InnerStream& stream, const TcpStreamPiece& piece,
              MemoryAccount& account) override {
      if (stream.reader == InnerStream::Reader::kUndecided) {
        // Decided on the first captured bytes at or after the direction's start (a retransmitted
        // CONNECT, 2xx head, STARTTLS command or answer is not the inner stream).
        const uint32_t before = stream.start[piece.direction] - piece.seq;
        if (int32_t(before) > 0 && before >= piece.bytes.size()) return;
        const auto first = int32_t(before) > 0 ? piece.bytes.subspan(before) : piece.bytes;
        if (first.empty()) return;
        if (!app.enabled.has(L7Analyzers::kTls) ||
            !TlsModule::beginsLikeTls(first, piece.fromClient(), true)) {
          stream.reader = InnerStream::Reader::kNone;
          c.app.analyzerDone = true;
          return;
        }
        stream.reader = InnerStream::Reader::kTls;
        TlsModule::startStream(stream.state, stream.start[kClientToServer], stream.start[kServerToClient],
                               account);
      }
      if (stream.reader == InnerStream::Reader::kTls)
        c.app.analyzerDone =
            app.tls.readStream(c, *stream.state, piece, stream.namesServer, app.names, account);
    }
  };

  // Picks the connection's analyzer from this payload; false while none recognises it.
  bool choose(const L7Payload& payload) const {
    ConnectionApplication& app = payload.connection.app;
    if (enabled.has(L7Analyzers::kDns) && DnsModule::recognizes(payload)) {
      app.analyzer = AppAnalyzer::kDns;
      return true;
    }
    if (enabled.has(L7Analyzers::kHttp) && HttpModule::recognizes(payload)) {
      app.analyzer = AppAnalyzer::kHttp;
      return true;
    }
    if (enabled.has(L7Analyzers::kTls) && TlsModule::recognizes(payload)) {
      app.analyzer = AppAnalyzer::kTls;
      return true;
    }
    if (enabled.has(L7Analyzers::kQuic) && QuicModule::recognizes(payload)) {
      app.analyzer = AppAnalyzer::kQuic;
      return true;
    }
    // Last: its greetings ("220 ", "+OK", "* OK") are the loosest patterns.
    if (enabled.has(L7Analyzers::kStartTls) && StartTlsModule::recognizes(payload)) {
      app.analyzer = AppAnalyzer::kStartTls;
      return true;
    }
    if (++app.undecidedPayloads >= kMaxUndecidedPayloads) app.analyzer = AppAnalyzer::kNone;
    return false;
  }
};

}  // namespace netmeter
