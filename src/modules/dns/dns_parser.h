#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/ip_address.h"

namespace netmeter {

// A DNS message as the DNS module needs it: header, first question, and the addresses of A/AAAA
// answers. Parsing is bounded (names at most 255 bytes, at most 16 compression jumps, each pointing
// backwards; at most kMaxAnswers answers read) and never reads outside the given bytes.
struct DnsMessage {
  static constexpr size_t kMaxAnswers = 16;
  static constexpr size_t kMaxName = 255;

  uint16_t id = 0;
  bool response = false;
  uint8_t opcode = 0;
  uint8_t rcode = 0;  // header reply code (0..15)
  uint16_t questions = 0;
  uint16_t answers = 0;
  // First question (when `questions` > 0 and it could be read).
  bool hasQuestion = false;
  std::array<char, kMaxName> nameBuffer{};
  uint8_t nameLength = 0;  // dotted, lower case, no trailing dot ("" is the root)
  uint16_t qtype = 0;
  uint16_t qclass = 0;
  // A and AAAA records among the answers read.
  std::array<IpAddress, kMaxAnswers> addresses;
  uint8_t addressCount = 0;

  std::string_view name() const { return {nameBuffer.data(), nameLength}; }
};

enum class DnsParseResult : uint8_t {
  kOk,
  kTooShort,   // less than a header
  kMalformed,  // a question or answer is damaged (what was read before is kept)
  kTruncated,  // the bytes end inside a question or answer: cut by the capture's snap length, or
               // the header counts more records than there are (what was read before is kept)
};

DnsParseResult parseDnsMessage(std::span<const uint8_t> bytes, DnsMessage& out);

// Whether `bytes` plausibly start a DNS message (used to pick the DNS analyzer for a connection): a
// plausible header and a readable first question. `cut`: the message goes on beyond `bytes` (a
// packet cut by the capture's snap length, the first segment of a message over TCP), so a first
// question that runs past their end is enough.
bool looksLikeDns(std::span<const uint8_t> bytes, bool cut = false);

// Name of a DNS record type ("A", "AAAA", ...) or empty when it has no common name.
std::string_view dnsTypeName(uint16_t type);
// Name of a DNS reply code ("NOERROR", "NXDOMAIN", ...).
std::string_view dnsRcodeName(uint8_t rcode);

}  // namespace netmeter
