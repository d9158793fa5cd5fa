#include "modules/quic/quic_session.h"

#include <algorithm>
#include <optional>

#include "modules/quic/quic_crypto_stream.h"
#include "modules/quic/quic_frames.h"
#include "modules/quic/quic_google.h"
#include "modules/quic/quic_initial_keys.h"
#include "modules/quic/quic_long_header.h"
#include "modules/quic/quic_packet_protection.h"
#include "modules/tls/client_hello.h"
#include "modules/tls/server_hello.h"
#include "modules/tls/tls_constants.h"

namespace netmeter::quic {

struct QuicSession::Parsing {
  std::optional<VersionParameters> version;
  std::array<uint8_t, 20> dcid{};  // DCID of the client's first Initial: the key material
  uint8_t dcidLength = 0;
  std::optional<InitialKeys> keys[2];  // [client, server]
  QuicCryptoStream crypto[2];
  uint32_t initials[2] = {0, 0};
  uint32_t googlePackets = 0;  // client packets of a gQUIC connection after its version
  explicit Parsing(uint32_t maxBytes) : crypto{QuicCryptoStream(maxBytes), QuicCryptoStream(maxBytes)} {}
};

QuicSession::QuicSession(Options options)
    : options_(options), parsing_(std::make_unique<Parsing>(options.maxCryptoBytes)) {}
QuicSession::~QuicSession() = default;

int64_t QuicSession::heapBytes() const {
  int64_t bytes = info_.client.heapBytes() + static_cast<int64_t>(info_.userAgent.capacity());
  if (parsing_)
    bytes += static_cast<int64_t>(sizeof(Parsing)) + parsing_->crypto[0].heapBytes() +
             parsing_->crypto[1].heapBytes();
  return bytes;
}

bool QuicSession::looksLikeQuic(std::span<const uint8_t> datagram) {
  GoogleHeader g;
  if (parseGoogleHeader(datagram, g)) return true;
  LongHeader h;
  if (parseLongHeader(datagram, h) != HeaderResult::kOk || !h.knownVersion) return false;
  // A reserved version is taken only for what a client's Initial must look like (RFC 9000 §14.1: a
  // datagram of at least 1200 bytes), so that other UDP traffic is not mistaken for it.
  return !isReservedVersion(h.version) || (h.type == PacketType::kInitial && datagram.size() >= 1200);
}

void QuicSession::release(MemoryAccount& account) {
  if (!parsing_) return;
  parsing_->crypto[0].release(account);
  parsing_->crypto[1].release(account);
  parsing_.reset();
}

uint8_t QuicSession::onDatagram(bool fromClient, std::span<const uint8_t> datagram, PacketTime t,
                                std::span<uint8_t> scratch, MemoryAccount& account) {
  if (!parsing_) return 0;
  if (info_.version == 0 || isGoogleVersion(info_.version)) {
    GoogleHeader g;
    const bool withVersion = parseGoogleHeader(datagram, g);
    if (info_.version != 0 && fromClient && ++parsing_->googlePackets > options_.maxGooglePackets) {
      release(account);  // no CHLO among the client's first packets (the capture missed it)
      return 0;
    }
    if (withVersion) return onGooglePacket(fromClient, g, t, account);
    if (info_.version != 0) return 0;  // a gQUIC packet without version
  }
  uint8_t events = 0;
  // Coalesced packets (RFC 9000 §12.2): walk long headers until a short header or the end.
  while (!datagram.empty() && parsing_) {
    LongHeader h;
    if (parseLongHeader(datagram, h) != HeaderResult::kOk || !h.knownVersion) break;
    // The first long header's version; a reserved one (sent to force a Version Negotiation) gives way
    // to the version the client goes on with.
    if (info_.version == 0 || (isReservedVersion(info_.version) && !isReservedVersion(h.version)))
      info_.version = h.version;
    if (h.type == PacketType::kInitial) events |= onInitial(fromClient, datagram, h, t, scratch, account);
    if (h.type == PacketType::kRetry) {
      // The client's next Initials go to the Retry's Source Connection ID, and both sides' Initial
      // keys are derived from it from now on (RFC 9001 §5.2).
      if (!fromClient && !h.scid.empty() && h.scid.size() <= parsing_->dcid.size()) {
        std::copy(h.scid.begin(), h.scid.end(), parsing_->dcid.begin());
        parsing_->dcidLength = static_cast<uint8_t>(h.scid.size());
        parsing_->keys[0].reset();
        parsing_->keys[1].reset();
      }
      break;
    }
    datagram = datagram.subspan(h.size);
  }
  if (parsing_) {
    bool clientDone = info_.hasClientHello || parsing_->initials[0] >= options_.maxInitials ||
                      parsing_->crypto[0].state() == QuicCryptoStream::State::kFailed;
    bool serverDone = info_.hasServerHello || parsing_->initials[1] >= options_.maxInitials ||
                      parsing_->crypto[1].state() == QuicCryptoStream::State::kFailed;
    if (clientDone && serverDone) release(account);
  }
  return events;
}

uint8_t QuicSession::onInitial(bool fromClient, std::span<const uint8_t> packet, const LongHeader& h,
                               PacketTime t, std::span<uint8_t> scratch, MemoryAccount& account) {
  Parsing& p = *parsing_;
  int side = fromClient ? 0 : 1;
  if (fromClient) ++info_.clientInitials;
  if (p.initials[side] >= options_.maxInitials || (fromClient ? info_.hasClientHello : info_.hasServerHello))
    return 0;
  ++p.initials[side];
  if (!p.version || p.version->version != h.version) {
    p.version = versionParameters(h.version);
    p.keys[0].reset();
    p.keys[1].reset();
  }
  if (fromClient && p.dcidLength == 0) {
    if (h.dcid.empty()) return 0;
    std::copy(h.dcid.begin(), h.dcid.end(), p.dcid.begin());
    p.dcidLength = static_cast<uint8_t>(h.dcid.size());
  }
  if (p.dcidLength == 0) return 0;  // server Initial before any client Initial: no key material
  auto derive = [&](std::span<const uint8_t> dcid) {
    p.keys[side] = deriveInitialKeys(*p.version, dcid, fromClient ? Side::kClient : Side::kServer);
  };
  if (!p.keys[side]) derive(std::span<const uint8_t>(p.dcid.data(), p.dcidLength));
  if (!p.keys[side]) return 0;
  auto frames = openPacket(packet, h, *p.keys[side], scratch);
  if (frames.empty() && fromClient &&
      !std::equal(h.dcid.begin(), h.dcid.end(), p.dcid.begin(), p.dcid.begin() + p.dcidLength) &&
      !h.dcid.empty()) {
    // After a Retry the client derives new keys from the DCID the server chose.
    std::copy(h.dcid.begin(), h.dcid.end(), p.dcid.begin());
    p.dcidLength = static_cast<uint8_t>(h.dcid.size());
    derive(h.dcid);
    p.keys[1].reset();
    if (p.keys[side]) frames = openPacket(packet, h, *p.keys[side], scratch);
  }
  if (frames.empty() && p.version->assumed && p.version->salt != reservedVersionDraft29(h.version).salt) {
    // A reserved version's first guess (v1's keys) failed: the second is draft 29's, kept when it
    // authenticates.
    const VersionParameters firstGuess = *p.version;
    p.version = reservedVersionDraft29(h.version);
    derive(std::span<const uint8_t>(p.dcid.data(), p.dcidLength));
    if (p.keys[side]) frames = openPacket(packet, h, *p.keys[side], scratch);
    if (frames.empty()) {
      p.version = firstGuess;
      p.keys[side].reset();
    } else {
      p.keys[1 - side].reset();
    }
  }
  if (frames.empty()) {
    if (!p.version->assumed) ++info_.decryptFailures;  // a reserved version's guess is no failure
    return 0;
  }
  return onFrames(fromClient, frames, t, account);
}

uint8_t QuicSession::onGooglePacket(bool fromClient, const GoogleHeader& h, PacketTime t,
                                    MemoryAccount& account) {
  // Only the client's packets are read (a server's packet with a version is a Version Negotiation).
  if (!fromClient) return 0;
  uint8_t events = 0;
  if (info_.version == 0) {
    info_.version = h.version;
    if (!googleHelloReadable(h.version)) {
      release(account);  // nothing more to read: the handshake is encrypted
      return event::kGoogleVersion;
    }
  }
  if (!h.cleartext || h.version != info_.version) return 0;
  Parsing& p = *parsing_;
  ++info_.clientInitials;
  if (p.initials[0] >= options_.maxInitials) return 0;
  ++p.initials[0];
  GoogleCryptoData data;
  readGoogleFrames(googleFrames(h), h.version, h.packetNumberLength, data);
  QuicCryptoStream& crypto = p.crypto[0];
  for (const GoogleStreamData& d : data) {
    // A client's CHLO fits in one packet (it is padded to fill it), so a frame whose data begins with
    // one is read where it is: the first message of the stream, or a later CHLO (the full CHLO after
    // a REJ, at the offset where the first one ended, when the capture missed the first).
    const bool beginsChlo = d.data.size() >= 4 && std::equal(d.data.begin(), d.data.begin() + 4, "CHLO");
    if ((d.offset == 0 && crypto.empty()) || beginsChlo) {
      const uint64_t length = googleMessageLength(d.data);
      if (length != 0 && length <= d.data.size()) {
        events |= onGoogleMessage(d.data.first(static_cast<size_t>(length)), t);
        break;
      }
      if (d.offset != 0) continue;  // a later CHLO cut short: the stream before it is unknown
    }
    crypto.setFraming(QuicCryptoStream::Framing::kGoogle);
    crypto.add(d.offset, d.data, account);
    if (crypto.state() == QuicCryptoStream::State::kComplete) {
      events |= onGoogleMessage(crypto.message(), t);
      break;
    }
  }
  if (info_.hasGoogleHello || p.initials[0] >= options_.maxInitials ||
      crypto.state() != QuicCryptoStream::State::kCollecting)
    release(account);
  return events;
}

uint8_t QuicSession::onGoogleMessage(std::span<const uint8_t> message, PacketTime t) {
  GoogleClientHello hello;
  if (!parseGoogleClientHello(message, hello)) {
    parsing_->initials[0] = options_.maxInitials;  // the first message is no CHLO: give up
    return 0;
  }
  constexpr size_t kMaxValue = 255;
  info_.client.sni.assign(hello.sni.substr(0, kMaxValue));
  info_.userAgent.assign(hello.userAgent.substr(0, kMaxValue));
  info_.hasGoogleHello = true;
  info_.clientHelloTime = t;
  return event::kGoogleHello;
}

uint8_t QuicSession::onFrames(bool fromClient, std::span<const uint8_t> f, PacketTime t,
                              MemoryAccount& account) {
  QuicCryptoStream& crypto = parsing_->crypto[fromClient ? 0 : 1];
  readInitialFrames(f, crypto, account);
  if (crypto.state() != QuicCryptoStream::State::kComplete) return 0;
  auto message = crypto.message();
  if (message.empty()) return 0;
  uint8_t events = 0;
  if (fromClient && message[0] == tls::handshake::kClientHello && !info_.hasClientHello) {
    tls::ClientHello hello;
    if (tls::parseClientHello(message.subspan(4), hello) == tls::ParseResult::kOk) {
      info_.client = tls::summarize(hello, tls::Ja4Transport::kQuic);
      info_.hasClientHello = true;
      info_.clientHelloTime = t;
      events |= event::kClientHello;
    }
  } else if (!fromClient && message[0] == tls::handshake::kServerHello && !info_.hasServerHello) {
    tls::ServerHello hello;
    if (tls::parseServerHello(message.subspan(4), hello) == tls::ParseResult::kOk) {
      info_.negotiatedCipher = hello.cipherSuite;
      info_.negotiatedVersion = hello.version();
      info_.hasServerHello = true;
      info_.serverHelloTime = t;
      events |= event::kServerHello;
    }
  }
  crypto.release(account);
  // A complete message that was not the expected hello ends that direction.
  if (fromClient ? !info_.hasClientHello : !info_.hasServerHello)
    parsing_->initials[fromClient ? 0 : 1] = options_.maxInitials;
  return events;
}

}  // namespace netmeter::quic
