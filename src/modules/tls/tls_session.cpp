#include "modules/tls/tls_session.h"

#include "modules/app/tcp_reorder_buffer.h"
#include "modules/app/tcp_stream.h"

namespace netmeter::tls {

struct TlsSession::Direction {
  TcpStreamCursor cursor;
  TcpReorderBuffer ahead;  // segments that arrived before the bytes preceding them
  bool hole = false;       // bytes of the stream are missing: record boundaries are lost
  bool startHinted = false;  // cursor started at the peer's acknowledgement, no data seen yet
  TlsRecordParser records;
  uint32_t applicationRecords = 0;
  Direction(uint8_t awaited, uint32_t maxMessage) : records(awaited, maxMessage) {}
};

struct TlsSession::Parsing {
  Direction client;
  Direction server;
  explicit Parsing(uint32_t maxMessage)
      : client(handshake::kClientHello, maxMessage), server(handshake::kServerHello, maxMessage) {}
};

namespace {

// Counts a direction's alert records into the connection info and tells the listener.
struct AlertSink {
  TlsConnectionInfo& info;
  bool fromClient;
  AlertListener* listener;
  uint8_t events = 0;

  void onAlert(uint8_t level, uint8_t description) {
    info.alertLevel = level;
    info.alertDescription = description;
    info.alertFromServer = !fromClient;
    if (info.alerts != UINT16_MAX) ++info.alerts;
    events |= event::kAlert;
    if (listener) listener->onAlert(level, description);
  }
  void onEncryptedAlert() {
    if (info.encryptedAlerts != UINT16_MAX) ++info.encryptedAlerts;
    events |= event::kEncryptedAlert;
    if (listener) listener->onEncryptedAlert();
  }
};

// Receives the parser's callbacks for one direction and turns them into connection info.
struct Sink : AlertSink {
  PacketTime t;
  uint32_t& applicationRecords;

  bool onHandshake(uint8_t type, std::span<const uint8_t> body) {
    if (type == handshake::kClientHello) {
      ClientHello hello;
      if (parseClientHello(body, hello) != ParseResult::kOk) return false;
      info.client = summarize(hello, Ja4Transport::kTcp);
      info.hasClientHello = true;
      info.clientHelloTime = t;
      events |= event::kClientHello;
      return false;
    }
    ServerHello hello;
    if (parseServerHello(body, hello) != ParseResult::kOk) return false;
    if (!info.hasServerHello) {
      info.hasServerHello = true;
      info.serverHelloTime = t;
      events |= event::kServerHello;
    }
    info.negotiatedVersion = hello.version();
    info.negotiatedCipher = hello.cipherSuite;
    if (hello.helloRetryRequest) {
      info.helloRetryRequest = true;
      return true;  // the real ServerHello follows
    }
    return false;
  }
  void onRecord(uint8_t type) {
    if (type != content::kApplicationData) return;
    ++applicationRecords;
    if (fromClient) {
      // In TLS 1.3 the client's first encrypted record is its Finished message.
      uint32_t first = info.negotiatedVersion == 0x0304 ? 2 : 1;
      if (info.clientDataTime == 0 && applicationRecords == first) info.clientDataTime = t;
    } else if (info.clientDataTime != 0 && info.serverDataTime == 0) {
      info.serverDataTime = t;
      events |= event::kFirstDataResponse;
    }
  }
};

}  // namespace

TlsSession::TlsSession(Options options)
    : parsing_(std::make_unique<Parsing>(options.maxHandshakeMessage)), options_(options) {}
TlsSession::~TlsSession() = default;
TlsSession::TlsSession(TlsSession&&) noexcept = default;
TlsSession& TlsSession::operator=(TlsSession&&) noexcept = default;

int64_t TlsSession::heapBytes() const {
  return info_.client.heapBytes() + (parsing_ ? static_cast<int64_t>(sizeof(Parsing)) : 0);
}

uint8_t TlsSession::onSegment(bool fromClient, uint32_t seq, std::span<const uint8_t> payload,
                              uint32_t wireLength, PacketTime t, MemoryAccount& account,
                              AlertListener* alerts) {
  if (!parsing_) {  // after the handshake: the record layer only
    AlertSink sink{info_, fromClient, alerts};
    followers_[fromClient ? 0 : 1].onSegment(seq, payload, wireLength, sink);
    return sink.events;
  }
  Direction& d = fromClient ? parsing_->client : parsing_->server;
  if (d.hole) return 0;
  const bool whole = !TcpStreamCursor::truncated(payload, wireLength);
  if (d.startHinted) {
    d.startHinted = false;
    // Far ahead of what the peer acknowledged: the acknowledgement does not describe this stream
    // (a capture that missed much of it); the stream starts here instead.
    if (int32_t(seq - d.cursor.next) > int32_t{TcpReorderBuffer::kMaxBytes}) d.cursor.started = false;
  }
  // A segment ahead of the stream waits for the bytes before it (reordered, or sent after a loss
  // whose retransmission is still to come); only when it cannot wait is it the hole it seems.
  if (whole && d.cursor.started && int32_t(seq - d.cursor.next) > 0 && d.ahead.hold(seq, payload, account))
    return 0;
  uint8_t events = 0;
  TcpStreamCursor::Piece piece = d.cursor.advance(seq, payload, wireLength);
  if (!piece.gapBefore) events = onStream(fromClient, piece.bytes, t, account, alerts);
  // The held segments this one has reached follow it, in stream order, at this packet's time.
  TcpReorderBuffer::Segment held;
  while (parsing_ && !d.hole && !piece.gapBefore && whole && d.ahead.take(d.cursor.next, held, account)) {
    piece = d.cursor.advance(held.seq, held.bytes(), held.length);
    events |= onStream(fromClient, piece.bytes, t, account, alerts);
  }
  if (parsing_ && (piece.gapBefore || !whole)) {
    d.hole = true;
    d.ahead.clear(account);
    d.records.release(account);
    checkFinished(account);
  }
  return events;
}

void TlsSession::acknowledged(bool fromClient, uint32_t ack) {
  if (!parsing_) return;
  Direction& peer = fromClient ? parsing_->server : parsing_->client;
  if (peer.cursor.started) return;
  peer.cursor.started = true;
  peer.cursor.next = ack;
  peer.startHinted = true;
}

void TlsSession::startAt(bool fromClient, uint32_t seq) {
  if (!parsing_) return;
  Direction& d = fromClient ? parsing_->client : parsing_->server;
  d.cursor.started = true;
  d.cursor.next = seq;
  d.startHinted = false;
}

uint8_t TlsSession::onStream(bool fromClient, std::span<const uint8_t> bytes, PacketTime t,
                             MemoryAccount& account, AlertListener* alerts) {
  if (!parsing_ || bytes.empty()) return 0;
  Direction& d = fromClient ? parsing_->client : parsing_->server;
  Sink sink{{info_, fromClient, alerts}, t, d.applicationRecords};
  d.records.feed(bytes, sink, account);
  checkFinished(account);
  return sink.events;
}

void TlsSession::checkFinished(MemoryAccount& account) {
  auto done = [&](const Direction& d) {
    return d.records.stopped() || d.hole || d.records.records() >= options_.maxRecords;
  };
  if (info_.serverDataTime != 0 || (done(parsing_->client) && done(parsing_->server))) release(account);
}

void TlsSession::release(MemoryAccount& account) {
  if (!parsing_) return;
  // Each direction whose record boundaries are known goes on with its record layer.
  auto handOver = [](const Direction& d, TlsRecordFollower& follower) {
    if (!d.hole && !d.records.stopped() && d.cursor.started)
      follower.start(d.cursor.next, d.records.position());
  };
  handOver(parsing_->client, followers_[0]);
  handOver(parsing_->server, followers_[1]);
  for (Direction* d : {&parsing_->client, &parsing_->server}) {
    d->records.release(account);
    d->ahead.clear(account);
  }
  parsing_.reset();
}

}  // namespace netmeter::tls
