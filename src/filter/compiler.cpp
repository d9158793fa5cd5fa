// Compiles a parsed expression into a Program: every value is interpreted here, once, and reported
// with its position when it is not valid for its operand.
#include <algorithm>
#include <cstring>
#include <string>

#include "filter/filter.h"
#include "filter/parser.h"

namespace netmeter::filter {

namespace {

struct Net {
  IpAddress addr;
  std::array<uint8_t, 16> mask{};
  std::optional<uint16_t> port;
};

uint64_t word(const std::array<uint8_t, 16>& bytes, size_t at) {
  uint64_t v;
  std::memcpy(&v, bytes.data() + at, 8);
  return v;
}

void setPrefix(std::array<uint8_t, 16>& mask, size_t firstByte, uint32_t bits) {
  for (size_t i = firstByte; i < 16 && bits > 0; ++i) {
    const uint32_t take = bits >= 8 ? 8 : bits;
    mask[i] = static_cast<uint8_t>(0xff << (8 - take));
    bits -= take;
  }
}

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    const size_t at = text.find(sep, start);
    parts.push_back(text.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) break;
    start = at + 1;
  }
  return parts;
}

// Dotted IPv4 with 1..4 parts; `parts` receives how many were given.
std::optional<IpAddress> parseV4Partial(std::string_view text, size_t& parts) {
  const auto fields = split(text, '.');
  if (fields.empty() || fields.size() > 4) return std::nullopt;
  uint8_t b[4] = {0, 0, 0, 0};
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].empty() || fields[i].size() > 3) return std::nullopt;
    const auto v = parseNumber(fields[i], 255);
    if (!v || (fields[i].size() > 1 && (fields[i][1] == 'x' || fields[i][1] == 'X'))) return std::nullopt;
    b[i] = static_cast<uint8_t>(*v);
  }
  parts = fields.size();
  return IpAddress::v4(b);
}

}  // namespace

class Compiler {
 public:
  Compiler(std::string_view expression, const CompileOptions& options)
      : expression_(expression), options_(options) {}

  CompileResult run() {
    CompileResult result;
    ParseResult parsed = parseExpression(expression_);
    if (!parsed.ok()) {
      result.error = parsed.error;
      return result;
    }
    Filter f;
    f.expression_ = std::string(expression_);
    filter_ = &f;
    if (!emit(*parsed.ast)) {
      result.error = error_;
      return result;
    }
    result.filter.emplace(std::move(f));
    return result;
  }

 private:
  bool fail(size_t position, std::string message) {
    error_ = FilterError{position, std::move(message)};
    return false;
  }
  bool failValue(const Comparison& c, std::string what) {
    return fail(c.valuePosition, "expected " + what + " after '" + std::string(operandName(c.operand)) +
                                     "', got '" + c.value + "'");
  }

  bool emit(const AstNode& node) {
    const size_t index = filter_->program_.code.size();
    filter_->program_.code.emplace_back();
    if (node.kind != AstNode::Kind::kComparison) {
      filter_->program_.code[index].op = node.kind == AstNode::Kind::kAnd ? Op::kAnd : Op::kOr;
      for (const AstNode& child : node.children) {
        if (!emit(child)) return false;
      }
    } else {
      Instr in;
      in.negate = node.comparison.notEqual;
      if (!leaf(node.comparison, in)) return false;
      filter_->program_.code[index] = in;
      noteOperand(node.comparison.operand);
    }
    filter_->program_.code[index].end = static_cast<uint32_t>(filter_->program_.code.size());
    return true;
  }

  void noteOperand(Operand o) {
    auto& ops = filter_->operands_;
    if (std::find(ops.begin(), ops.end(), o) == ops.end()) ops.push_back(o);
    if (o == Operand::kL7Protocol) filter_->usesL7_ = true;
    if (o == Operand::kRegexp || o == Operand::kMulticastGroup) filter_->needsPayload_ = true;
  }

  // ip / arpip / multicastGroup values: address, partial IPv4, prefix or netmask, optional port.
  bool parseNet(const Comparison& c, bool allowPort, Net& out) {
    std::string_view text = c.value;
    std::string_view portText;
    bool bracketed = false;
    if (!text.empty() && text.front() == '[') {
      const size_t close = text.find(']');
      if (close == std::string_view::npos)
        return fail(c.valuePosition, "expected ']' after the bracketed IPv6 address");
      std::string_view rest = text.substr(close + 1);
      text = text.substr(1, close - 1);
      bracketed = true;
      if (!rest.empty()) {
        if (rest.front() != ':') return fail(c.valuePosition + close + 1, "expected ':PORT' after ']'");
        portText = rest.substr(1);
        if (portText.empty()) return fail(c.valuePosition + close + 2, "expected a port number after ':'");
      }
    } else {
      const size_t colons = static_cast<size_t>(std::count(text.begin(), text.end(), ':'));
      if (colons == 1) {  // IPv4 with port
        const size_t at = text.find(':');
        portText = text.substr(at + 1);
        text = text.substr(0, at);
        if (portText.empty()) return fail(c.valuePosition + at + 1, "expected a port number after ':'");
      }
    }
    if (!portText.empty()) {
      if (!allowPort) return failValue(c, "an IP address without a port");
      const auto port = parseNumber(portText, 65535);
      if (!port)
        return fail(c.valuePosition, "expected a port number 0..65535 after ':' in '" + c.value + "'");
      out.port = static_cast<uint16_t>(*port);
    }
    std::string_view addrText = text;
    std::string_view maskText;
    const size_t slash = text.find('/');
    if (slash != std::string_view::npos) {
      addrText = text.substr(0, slash);
      maskText = text.substr(slash + 1);
      if (maskText.empty()) return fail(c.valuePosition, "expected a prefix length or netmask after '/'");
    }
    const bool v6 = addrText.find(':') != std::string_view::npos;
    if (bracketed && !v6) return failValue(c, "an IPv6 address inside '[...]'");
    if (v6) {
      const auto addr = IpAddress::parse(addrText);
      if (!addr || !addr->isV6()) return failValue(c, "an IPv6 address");
      out.addr = *addr;
      uint32_t bits = 128;
      if (!maskText.empty()) {
        const auto p = parseNumber(maskText, 128);
        if (!p || maskText.size() > 3) return failValue(c, "an IPv6 prefix length 0..128");
        bits = *p;
      }
      setPrefix(out.mask, 0, bits);
    } else {
      size_t parts = 0;
      const auto addr = parseV4Partial(addrText, parts);
      if (!addr) return failValue(c, "an IPv4 or IPv6 address");
      out.addr = *addr;
      uint32_t bits = static_cast<uint32_t>(parts * 8);  // "10.0" alone is 10.0.0.0/16, as in BPF `net`
      if (!maskText.empty()) {
        if (maskText.find('.') != std::string_view::npos) {
          size_t maskParts = 0;
          const auto mask = parseV4Partial(maskText, maskParts);
          if (!mask || maskParts != 4) return failValue(c, "a netmask like 255.255.0.0");
          std::memcpy(out.mask.data() + 12, mask->bytes.data() + 12, 4);
          bits = 0xffffffff;
        } else {
          const auto p = parseNumber(maskText, 32);
          if (!p || maskText.size() > 2) return failValue(c, "an IPv4 prefix length 0..32");
          bits = *p;
        }
      }
      if (bits != 0xffffffff) setPrefix(out.mask, 12, bits);
    }
    for (size_t i = 0; i < 16; ++i) out.addr.bytes[i] &= out.mask[i];
    return true;
  }

  static void setNet(Instr& in, const Net& n) {
    in.family = n.addr.family;
    in.netHi = n.addr.high();
    in.netLo = n.addr.low();
    in.maskHi = word(n.mask, 0);
    in.maskLo = word(n.mask, 8);
  }

  // "80,100-120,-10,65000-" (also single numbers), values 0..max.
  bool parseRanges(const Comparison& c, uint32_t max, bool allowRanges, Instr& in, const char* what) {
    auto& ranges = filter_->program_.ranges;
    in.listBegin = static_cast<uint32_t>(ranges.size());
    size_t offset = 0;
    for (std::string_view item : split(c.value, ',')) {
      const size_t at = c.valuePosition + offset;
      offset += item.size() + 1;
      const size_t dash = allowRanges ? item.find('-') : std::string_view::npos;
      uint32_t first, last;
      if (dash == std::string_view::npos) {
        const auto v = parseNumber(item, max);
        if (!v) return fail(at, std::string("expected ") + what + ", got '" + std::string(item) + "'");
        first = last = *v;
      } else {
        const std::string_view lo = item.substr(0, dash), hi = item.substr(dash + 1);
        if (lo.empty() && hi.empty())
          return fail(at, std::string("expected a range of ") + what + ", got '-'");
        const auto a = lo.empty() ? std::optional<uint32_t>(0) : parseNumber(lo, max);
        const auto b = hi.empty() ? std::optional<uint32_t>(max) : parseNumber(hi, max);
        if (!a || !b)
          return fail(at, std::string("expected a range of ") + what + ", got '" + std::string(item) + "'");
        if (*a > *b) return fail(at, "range '" + std::string(item) + "' is empty (first > last)");
        first = *a;
        last = *b;
      }
      ranges.emplace_back(first, last);
    }
    in.listCount = static_cast<uint32_t>(ranges.size()) - in.listBegin;
    return true;
  }

  // Comma list of names or numbers resolved by `resolve`.
  template <typename Resolve>
  bool parseNameList(const Comparison& c, Instr& in, const char* what, Resolve resolve) {
    auto& ranges = filter_->program_.ranges;
    in.listBegin = static_cast<uint32_t>(ranges.size());
    size_t offset = 0;
    for (std::string_view item : split(c.value, ',')) {
      const size_t at = c.valuePosition + offset;
      offset += item.size() + 1;
      const std::optional<uint32_t> v = resolve(item);
      if (!v) return fail(at, std::string("expected ") + what + ", got '" + std::string(item) + "'");
      ranges.emplace_back(*v, *v);
    }
    in.listCount = static_cast<uint32_t>(ranges.size()) - in.listBegin;
    return true;
  }

  bool number(const Comparison& c, uint32_t max, Instr& in, const char* what) {
    const auto v = parseNumber(c.value, max);
    if (!v) return failValue(c, what);
    in.a = *v;
    return true;
  }

  // A value given by its name (`named`: the name table's answer for c.value) or as a number 0..max.
  template <typename T>
  bool namedOrNumber(const Comparison& c, const std::optional<T>& named, uint32_t max, Instr& in,
                     const char* what) {
    if (!named) return number(c, max, in, what);
    in.a = *named;
    return true;
  }

  // number, "none" or "any" (vlan, mpls operands)
  bool tagValue(const Comparison& c, uint32_t max, Instr& in, const char* what) {
    if (equalsIgnoreCase(c.value, "none")) {
      in.mode = Mode::kNone;
      return true;
    }
    if (equalsIgnoreCase(c.value, "any")) {
      in.mode = Mode::kAny;
      return true;
    }
    return number(c, max, in, what);
  }

  bool isAny(const Comparison& c, Instr& in) {
    if (!equalsIgnoreCase(c.value, "any")) return false;
    in.mode = Mode::kAny;
    return true;
  }

  bool leaf(const Comparison& c, Instr& in);
  bool regexp(const Comparison& c, Instr& in);

  std::string_view expression_;
  const CompileOptions& options_;
  Filter* filter_ = nullptr;
  FilterError error_;
};

bool Compiler::regexp(const Comparison& c, Instr& in) {
  RegexMatcher::CompileError err;
  std::unique_ptr<RegexMatcher> re = RegexMatcher::compile(c.value, err);
  if (!re) {
    return fail(c.valuePosition + err.offset, "invalid regular expression: " + err.message + " (at offset " +
                                                  std::to_string(err.offset) + " of the pattern)");
  }
  in.op = Op::kRegexp;
  in.a = static_cast<uint32_t>(filter_->regexes_.size());
  filter_->regexes_.push_back(std::move(*re));
  return true;
}

bool Compiler::leaf(const Comparison& c, Instr& in) {
  if (c.value.empty() && c.operand != Operand::kRegexp && c.operand != Operand::kCallId) {
    return fail(c.valuePosition,
                "expected a value after '" + std::string(operandName(c.operand)) + "', got an empty string");
  }
  switch (c.operand) {
    case Operand::kIp: {
      Net n;
      if (!parseNet(c, true, n)) return false;
      setNet(in, n);
      in.op = n.port ? Op::kIpNetPort : Op::kIpNet;
      in.a = n.port.value_or(0);
      return true;
    }
    case Operand::kArpIp: {
      Net n;
      if (!parseNet(c, false, n)) return false;
      setNet(in, n);
      in.op = Op::kArpIp;
      return true;
    }
    case Operand::kMulticastGroup: {
      in.op = Op::kMulticastGroup;
      if (isAny(c, in)) return true;
      Net n;
      if (!parseNet(c, false, n)) return false;
      if (!n.addr.isMulticast() && !(n.mask[15] != 0xff))
        return failValue(c, "a multicast IP address or 'any'");
      setNet(in, n);
      return true;
    }
    case Operand::kMac: {
      const auto mac = MacAddress::parse(c.value);
      if (!mac) return failValue(c, "a MAC address like 12:34:56:78:90:ab");
      in.op = Op::kMac;
      in.netHi = mac->asInteger();
      return true;
    }
    case Operand::kPort:
      in.op = Op::kPorts;
      return parseRanges(c, 65535, false, in, "a port number 0..65535");
    case Operand::kPortRange:
      in.op = Op::kPorts;
      return parseRanges(c, 65535, true, in, "a port 0..65535 or a range like 100-120");
    case Operand::kServerPort:
      in.op = Op::kServerPorts;
      return parseRanges(c, 65535, false, in, "a port number 0..65535");
    case Operand::kInterface:
      in.op = Op::kInterfaces;
      return parseRanges(c, 65535, true, in, "an interface number or a range like 3-5");
    case Operand::kMacProtocol: {
      if (equalsIgnoreCase(c.value, "Non IP") || equalsIgnoreCase(c.value, "NonIP") ||
          equalsIgnoreCase(c.value, "Non-IP")) {
        in.op = Op::kNonIp;
        return true;
      }
      in.op = Op::kEtherType;
      return namedOrNumber(c, etherTypeNumber(c.value), 0xffff, in,
                           "a MAC protocol name (IPv4, IPv6, ARP, \"Non IP\", ...) or an EtherType");
    }
    case Operand::kL4Protocol:
      in.op = Op::kL4Protocols;
      return parseNameList(c, in, "a layer 4 protocol name (TCP, UDP, ICMP, ...) or number 0..255",
                           [](std::string_view s) -> std::optional<uint32_t> {
                             if (const auto v = l4ProtocolNumber(s)) return *v;
                             return parseNumber(s, 255);
                           });
    case Operand::kL7Protocol: {
      in.op = Op::kL7Protocols;
      const L7ProtocolTable& table =
          options_.l7Protocols ? *options_.l7Protocols : L7ProtocolTable::builtIn();
      return parseNameList(c, in, "a layer 7 protocol name",
                           [&](std::string_view s) -> std::optional<uint32_t> {
                             if (const auto v = table.find(s)) return *v;
                             return std::nullopt;
                           });
    }
    case Operand::kCountryCode:
      in.op = Op::kCountry;
      in.a = countryCode(c.value);
      if (in.a == kCountryUnknown) return failValue(c, "a two-letter country code like US");
      return true;
    case Operand::kVlan:
    case Operand::kOuterVlan:
    case Operand::kInnerVlan:
      in.op = Op::kVlan;
      in.which = c.operand == Operand::kVlan        ? Which::kEither
                 : c.operand == Operand::kOuterVlan ? Which::kOuter
                                                    : Which::kInner;
      return tagValue(c, 4095, in, "a VLAN id 0..4095, 'none' or 'any'");
    case Operand::kMpls:
    case Operand::kOuterMpls:
    case Operand::kInnerMpls:
      in.op = Op::kMpls;
      in.which = c.operand == Operand::kMpls        ? Which::kEither
                 : c.operand == Operand::kOuterMpls ? Which::kOuter
                                                    : Which::kInner;
      return tagValue(c, 0xfffff, in, "an MPLS label 0..1048575, 'none' or 'any'");
    case Operand::kRtpPayloadType:
      in.op = Op::kRtpPayloadType;
      return namedOrNumber(c, rtpPayloadTypeNumber(c.value), 127, in,
                           "an RTP payload type name (PCMU, PCMA, MP2T, ...) or number 0..127");
    case Operand::kLink:
      in.op = Op::kLink;
      return number(c, 0xfffffffe, in, "a link number");
    case Operand::kPtpMsgType:
      in.op = Op::kPtpMsgType;
      return isAny(c, in) || namedOrNumber(c, ptpMessageTypeNumber(c.value), 15, in,
                                           "a PTP message type 0..15 (or Sync, Announce, ...) or 'any'");
    case Operand::kProfinetFrameId:
      in.op = Op::kProfinetFrameId;
      return number(c, 0xffff, in, "a PROFINET frame id 0..0xffff");
    case Operand::kProfinetCmOpnum:
      in.op = Op::kProfinetCmOpnum;
      return isAny(c, in) ||
             namedOrNumber(
                 c, profinetCmOpnumNumber(c.value), 0xffff, in,
                 "a PROFINET CM operation (connect, release, read, write, control, \"read implicit\"), a "
                 "number or 'any'");
    case Operand::kQosIpDscp:
      in.op = Op::kDscp;
      return namedOrNumber(c, dscpNumber(c.value), 63, in, "a DSCP value 0..63 or name (EF, AF41, CS3, ...)");
    case Operand::kQosMplsTc:
      in.op = Op::kMplsTc;
      return number(c, 7, in, "an MPLS traffic class 0..7");
    case Operand::kQosVlanPcp:
      in.op = Op::kVlanPcp;
      return number(c, 7, in, "a VLAN priority 0..7");
    case Operand::kGroup: {
      in.op = Op::kGroup;
      if (equalsIgnoreCase(c.value, "default")) {
        in.a = 0;
        return true;
      }
      const std::optional<uint8_t> bit = options_.groupIndex ? options_.groupIndex(c.value) : std::nullopt;
      if (!bit || *bit == 0 || *bit > 63) {
        return fail(c.valuePosition,
                    "unknown group '" + c.value + "'" +
                        (options_.groupIndex ? "" : " (no groups are configured; only 'default')"));
      }
      in.a = *bit;
      return true;
    }
    case Operand::kBadCrc:
      in.op = Op::kBadCrc;
      return number(c, 1, in, "0 or 1");
    case Operand::kIcmpType:
      in.op = Op::kIcmpType;
      return number(c, 255, in, "an ICMP type 0..255");
    case Operand::kTcpFlags: {
      in.op = Op::kTcpFlags;
      size_t offset = 0;
      for (std::string_view flag : split(c.value, '+')) {
        const auto bit = tcpFlagBit(flag);
        if (!bit) {
          return fail(c.valuePosition + offset,
                      "expected a TCP flag (syn, ack, fin, rst, psh, urg), got '" + std::string(flag) + "'");
        }
        in.a |= *bit;
        offset += flag.size() + 1;
      }
      return true;
    }
    case Operand::kCallId:
      if (c.value.empty()) return fail(c.valuePosition, "expected a call id after 'callId'");
      in.op = Op::kCallId;
      in.netHi = callIdHash(c.value);
      return true;
    case Operand::kIpFragment:
      in.op = Op::kIpFragment;
      return number(c, 1, in, "0 or 1");
    case Operand::kRegexp:
      return regexp(c, in);
  }
  return fail(c.operandPosition, "unsupported operand");
}

CompileResult Filter::compile(std::string_view expression, const CompileOptions& options) {
  return Compiler(expression, options).run();
}

}  // namespace netmeter::filter
