// libFuzzer target for the TLS and QUIC parsers. The first input byte picks what the rest is:
//   0: a TLS byte stream, client side then server side (split at byte 1 of the rest), cut into TCP
//      segments of sizes taken from byte 2 (its top bit: every two segments arrive swapped; the next
//      bit: the client acknowledges the server's stream start first), through TlsSession (records,
//      handshake reassembly, reorder buffer, ClientHello/ServerHello, fingerprints, alerts);
//   1: a ClientHello body for parseClientHello + JA3 + JA4;
//   2: a UDP datagram for QuicSession (long headers, coalesced packets, key derivation, decryption
//      failure paths), sent twice, from the client and from the server;
//   3: the plaintext frames of an Initial packet for readInitialFrames + CRYPTO reassembly, then the
//      reassembled message as a ClientHello.
// Every buffer is copied to exactly its length so that ASan catches reads past the end.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "modules/quic/quic_crypto_stream.h"
#include "modules/quic/quic_frames.h"
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::span<const uint8_t> rest(data + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      fuzzTlsStream(rest);
      break;
    case 1:
      fuzzClientHello(rest);
      break;
    case 2:
      fuzzQuicDatagram(rest);
      break;
    default:
      fuzzFrames(rest);
      break;
  }
  return 0;
}
