// libFuzzer target for the TLS and QUIC parsers. The first input byte picks what the rest is:
//   0: a TLS byte stream, client side then server side (split at byte 1 of the rest), cut into TCP
//      segments of sizes taken from byte 2 (its top bit: every two segments arrive swapped; the next
//      bit: the client acknowledges the server's stream start first), through TlsSession (records,
//      handshake reassembly, reorder buffer, ClientHello/ServerHello, fingerprints, alerts);
//   1: a ClientHello body for parseClientHello + JA3 + JA4;
//   2: a UDP datagram for QuicSession (long headers, coalesced packets, key derivation, decryption
//      failure paths; gQUIC headers, frames and CHLO), sent twice, from the client and from the server;
//   3: the plaintext frames of an Initial packet for readInitialFrames + CRYPTO reassembly, then the
//      reassembled message as a ClientHello;
//   4: gQUIC: byte 1 picks a version (Q000..Q099 by its value modulo 128, T051 above) and byte 2
//      the packet number length (1 + value % 6) and a split offset (4 * value); the bytes after them
//      are the frames of a cleartext packet for readGoogleFrames, whose stream 1 data goes to
//      parseGoogleClientHello piece by piece and to a QuicCryptoStream with gQUIC framing at the
//      frames' offsets (then the reassembled message); they are also a datagram for
//      parseGoogleHeader and, cut at the split offset, two client datagrams of one QuicSession.
// Every buffer is copied to exactly its length so that ASan catches reads past the end.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "modules/quic/quic_crypto_stream.h"
#include "modules/quic/quic_frames.h"
#include "modules/quic/quic_google.h"
#include "modules/quic/quic_session.h"
#include "modules/tls/client_hello.h"
#include "modules/tls/ja3.h"
#include "modules/tls/ja4.h"
#include "modules/tls/tls_session.h"

namespace {

using namespace netmeter;

void fuzzTlsStream(std::span<const uint8_t> in) {
  if (in.size() < 2) return;
  size_t split = std::min<size_t>(in[0] * 8, in.size() - 2);
  size_t segment = 1 + in[1] % 64;
  auto rest = in.subspan(2);
  tls::TlsSession session;
  MemoryAccount account;
  uint32_t seq[2] = {1, 1};
  PacketTime t = 0;
  const bool swapPairs = in[1] & 0x80;
  if (in[1] & 0x40) session.acknowledged(true, 1);
  auto segmentAt = [&](bool fromClient, std::span<const uint8_t> bytes, size_t at) {
    std::vector<uint8_t> copy(bytes.begin() + static_cast<ptrdiff_t>(at),
                              bytes.begin() + static_cast<ptrdiff_t>(std::min(bytes.size(), at + segment)));
    session.onSegment(fromClient, seq[fromClient ? 0 : 1] + static_cast<uint32_t>(at), copy,
                      static_cast<uint32_t>(copy.size()), ++t, account);
  };
  auto send = [&](bool fromClient, std::span<const uint8_t> bytes) {
    for (size_t at = 0; at < bytes.size(); at += segment) {
      if (swapPairs && at + segment < bytes.size()) {
        segmentAt(fromClient, bytes, at + segment);
        segmentAt(fromClient, bytes, at);
        at += segment;
      } else {
        segmentAt(fromClient, bytes, at);
      }
    }
    seq[fromClient ? 0 : 1] += static_cast<uint32_t>(bytes.size());
  };
  send(true, rest.first(split));
  send(false, rest.subspan(split));
  session.release(account);
  if (account.bytes != 0) __builtin_trap();  // every buffer accounted and freed
}

void fuzzClientHello(std::span<const uint8_t> in) {
  std::vector<uint8_t> copy(in.begin(), in.end());
  tls::ClientHello hello;
  if (tls::parseClientHello(copy, hello) == tls::ParseResult::kOk) {
    volatile size_t sink = tls::ja3String(hello).size() + tls::ja4(hello, tls::Ja4Transport::kTcp).size();
    (void)sink;
  }
}

void fuzzQuicDatagram(std::span<const uint8_t> in) {
  std::vector<uint8_t> copy(in.begin(), in.end());
  std::vector<uint8_t> scratch(65536);
  quic::QuicSession session;
  MemoryAccount account;
  session.onDatagram(true, copy, 1, scratch, account);
  session.onDatagram(false, copy, 2, scratch, account);
  session.release(account);
  if (account.bytes != 0) __builtin_trap();
}

void fuzzFrames(std::span<const uint8_t> in) {
  std::vector<uint8_t> copy(in.begin(), in.end());
  quic::QuicCryptoStream crypto(4096);
  MemoryAccount account;
  quic::readInitialFrames(copy, crypto, account);
  auto message = crypto.message();
  if (message.size() >= 4) {
    tls::ClientHello hello;
    tls::parseClientHello(message.subspan(4), hello);
  }
  crypto.release(account);
  if (account.bytes != 0) __builtin_trap();
}

void fuzzGoogle(std::span<const uint8_t> in) {
  if (in.size() < 2) return;
  const uint32_t version = in[0] % 128 < 100 ? 0x51300000u | uint32_t('0' + in[0] % 128 / 10) << 8 |
                                                   uint32_t('0' + in[0] % 128 % 10)
                                             : 0x54303531u;
  const uint8_t packetNumberLength = static_cast<uint8_t>(1 + in[1] % 6);
  std::vector<uint8_t> frames(in.begin() + 2, in.end());
  quic::GoogleCryptoData data;
  quic::readGoogleFrames(frames, version, packetNumberLength, data);
  quic::QuicCryptoStream crypto(4096);
  crypto.setFraming(quic::QuicCryptoStream::Framing::kGoogle);
  MemoryAccount account;
  quic::GoogleClientHello hello;
  for (const quic::GoogleStreamData& d : data) {
    std::vector<uint8_t> piece(d.data.begin(), d.data.end());
    if (quic::parseGoogleClientHello(piece, hello)) {
      volatile size_t sink = hello.sni.size() + hello.userAgent.size();
      (void)sink;
    }
    crypto.add(d.offset, piece, account);
  }
  auto message = crypto.message();
  if (!message.empty()) quic::parseGoogleClientHello(message, hello);
  crypto.release(account);
  if (account.bytes != 0) __builtin_trap();

  quic::GoogleHeader header;
  if (quic::parseGoogleHeader(frames, header))
    quic::readGoogleFrames(quic::googleFrames(header), header.version, header.packetNumberLength, data);
  const size_t split = std::min<size_t>(size_t{in[1]} * 4, frames.size());
  std::vector<uint8_t> first(frames.begin(), frames.begin() + static_cast<ptrdiff_t>(split));
  std::vector<uint8_t> second(frames.begin() + static_cast<ptrdiff_t>(split), frames.end());
  std::vector<uint8_t> scratch(65536);
  quic::QuicSession session;
  session.onDatagram(true, first, 1, scratch, account);
  session.onDatagram(true, second, 2, scratch, account);
  session.release(account);
  if (account.bytes != 0) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::span<const uint8_t> rest(data + 1, size - 1);
  switch (data[0] % 5) {
    case 0:
      fuzzTlsStream(rest);
      break;
    case 1:
      fuzzClientHello(rest);
      break;
    case 2:
      fuzzQuicDatagram(rest);
      break;
    case 3:
      fuzzFrames(rest);
      break;
    default:
      fuzzGoogle(rest);
      break;
  }
  return 0;
}
