#include "modules/dns/dns_parser.h"

namespace netmeter {

namespace {

constexpr size_t kHeader = 12;
constexpr int kMaxJumps = 16;

uint16_t u16(std::span<const uint8_t> b, size_t at) { return uint16_t(b[at] << 8 | b[at + 1]); }

constexpr size_t kDamaged = 0;
constexpr size_t kOutOfBytes = SIZE_MAX;

// Reads the name at `pos` into out (when not null); returns the position after the name in the
// record (not after a jump target), kDamaged, or kOutOfBytes when the bytes end inside the name.
size_t readName(std::span<const uint8_t> b, size_t pos, DnsMessage* out) {
  size_t end = 0;  // position after the name where it started
  int jumps = 0;
  size_t length = 0;
  size_t limit = pos;  // pointers must point before the label that holds them
  for (;;) {
    if (pos >= b.size()) return kOutOfBytes;
    const uint8_t len = b[pos];
    if ((len & 0xc0) == 0xc0) {
      if (pos + 1 >= b.size()) return kOutOfBytes;
      if (++jumps > kMaxJumps) return kDamaged;
      const size_t target = size_t(len & 0x3f) << 8 | b[pos + 1];
      if (end == 0) end = pos + 2;
      if (target >= limit) return kDamaged;
      limit = target;
      pos = target;
      continue;
    }
    if ((len & 0xc0) != 0) return kDamaged;  // extended label types are not used
    if (len == 0) {
      if (end == 0) end = pos + 1;
      if (out != nullptr) out->nameLength = uint8_t(length);
      return end;
    }
    const size_t added = length == 0 ? len : len + 1;
    if (length + added > DnsMessage::kMaxName) return kDamaged;
    if (pos + 1 + len > b.size()) return kOutOfBytes;
    if (out != nullptr) {
      if (length != 0) out->nameBuffer[length] = '.';
      char* dst = out->nameBuffer.data() + length + (length != 0);
      for (size_t i = 0; i < len; ++i) {
        char c = char(b[pos + 1 + i]);
        dst[i] = c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c;
      }
    }
    length += added;
    pos += 1 + len;
    if (end == 0) limit = pos;
  }
}

// The result for a name read with readName that is followed by `fixed` bytes.
DnsParseResult failure(std::span<const uint8_t> b, size_t next, size_t fixed) {
  if (next == kDamaged) return DnsParseResult::kMalformed;
  if (next == kOutOfBytes || next + fixed > b.size()) return DnsParseResult::kTruncated;
  return DnsParseResult::kOk;
}

}  // namespace

DnsParseResult parseDnsMessage(std::span<const uint8_t> b, DnsMessage& out) {
  out = DnsMessage{};
  if (b.size() < kHeader) return DnsParseResult::kTooShort;
  out.id = u16(b, 0);
  out.response = (b[2] & 0x80) != 0;
  out.opcode = (b[2] >> 3) & 0x0f;
  out.rcode = b[3] & 0x0f;
  out.questions = u16(b, 4);
  out.answers = u16(b, 6);
  size_t pos = kHeader;
  for (uint16_t q = 0; q < out.questions; ++q) {
    const size_t next = readName(b, pos, q == 0 ? &out : nullptr);
    if (const DnsParseResult r = failure(b, next, 4); r != DnsParseResult::kOk) return r;
    if (q == 0) {
      out.hasQuestion = true;
      out.qtype = u16(b, next);
      out.qclass = u16(b, next + 2);
    }
    pos = next + 4;
    if (q >= 8) return DnsParseResult::kOk;  // more questions are not looked at
  }
  for (uint16_t a = 0; a < out.answers && a < DnsMessage::kMaxAnswers; ++a) {
    const size_t next = readName(b, pos, nullptr);
    if (const DnsParseResult r = failure(b, next, 10); r != DnsParseResult::kOk) return r;
    const uint16_t type = u16(b, next);
    const uint16_t rdlength = u16(b, next + 8);
    const size_t rdata = next + 10;
    if (rdata + rdlength > b.size()) return DnsParseResult::kTruncated;
    if (type == 1 && rdlength == 4) {
      out.addresses[out.addressCount++] = IpAddress::v4(b.data() + rdata);
    } else if (type == 28 && rdlength == 16) {
      out.addresses[out.addressCount++] = IpAddress::v6(b.data() + rdata);
    }
    pos = rdata + rdlength;
  }
  return DnsParseResult::kOk;
}

bool looksLikeDns(std::span<const uint8_t> b, bool cut) {
  if (b.size() < kHeader) return false;
  const uint8_t opcode = (b[2] >> 3) & 0x0f;
  const uint16_t questions = u16(b, 4);
  if (opcode > 6 || questions > 16 || (b[3] & 0x40) != 0) return false;  // Z bit must be 0
  if (questions == 0) return false;
  DnsMessage m;
  const DnsParseResult result = parseDnsMessage(b, m);
  return m.hasQuestion || (cut && result == DnsParseResult::kTruncated);
}

std::string_view dnsTypeName(uint16_t type) {
  switch (type) {
    case 1: return "A";
    case 2: return "NS";
    case 5: return "CNAME";
    case 6: return "SOA";
    case 12: return "PTR";
    case 13: return "HINFO";
    case 15: return "MX";
    case 16: return "TXT";
    case 28: return "AAAA";
    case 33: return "SRV";
    case 35: return "NAPTR";
    case 41: return "OPT";
    case 43: return "DS";
    case 46: return "RRSIG";
    case 47: return "NSEC";
    case 48: return "DNSKEY";
    case 64: return "SVCB";
    case 65: return "HTTPS";
    case 99: return "SPF";
    case 249: return "TKEY";
    case 250: return "TSIG";
    case 251: return "IXFR";
    case 252: return "AXFR";
    case 255: return "ANY";
    case 257: return "CAA";
  }
  return {};
}

std::string_view dnsRcodeName(uint8_t rcode) {
  static constexpr std::string_view kNames[16] = {"NOERROR", "FORMERR",  "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
                                                  "YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE", "DSOTYPENI",
                                                  "RCODE12",  "RCODE13", "RCODE14",  "RCODE15"};
  return kNames[rcode & 0x0f];
}

}  // namespace netmeter
