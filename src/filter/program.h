#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace netmeter::filter {

// The compiled form of an expression: a flat array of nodes in pre-order. An and/or node's children
// follow it; every node knows where its subtree ends (`end`), so evaluation short-circuits by
// jumping. Leaves carry their operand already resolved to numbers: no strings are looked at while
// matching.
enum class Op : uint8_t {
  kAnd,
  kOr,
  kIpNet,            // src or dst in net (addr/mask)
  kIpNetPort,        // (src in net and srcPort == a) or (dst in net and dstPort == a)
  kMac,              // src or dst MAC == (netHi)
  kPorts,            // src or dst port in ranges[list]
  kServerPorts,      // server port in ranges[list]
  kEtherType,        // macProtocol == a
  kNonIp,            // macProtocol "Non IP": no IP layer
  kL4Protocols,      // l4Protocol in ranges[list]
  kL7Protocols,      // tri-state: l7Protocol in ranges[list]
  kCountry,          // src or dst country == a
  kArpIp,            // ARP sender or target IP in net
  kVlan,             // which/mode/a (see Selector)
  kMpls,             // which/mode/a
  kMulticastGroup,   // IGMP/MLD packet about group in net (mode kAny: any IGMP/MLD)
  kRtpPayloadType,   // == a
  kInterfaces,       // interface id in ranges[list]
  kLink,             // link id == a
  kPtpMsgType,       // == a, or mode kAny: any PTP
  kProfinetFrameId,  // == a
  kProfinetCmOpnum,  // == a, or mode kAny
  kDscp,             // IP DSCP == a
  kMplsTc,           // outermost MPLS TC == a
  kVlanPcp,          // outermost VLAN PCP == a
  kGroup,            // src or dst groups & (1 << a)
  kBadCrc,           // (badCrc == 1) == a
  kIcmpType,         // ICMP/ICMPv6 type == a
  kTcpFlags,         // (flags & a) == a
  kCallId,           // callIdHash == netHi
  kIpFragment,       // isIpv4Fragment == a
  kRegexp,           // regexes[a] finds a match in the payload
};

// vlan / mpls operands: which tag or label, and whether the value is a number, "none" or "any".
enum class Which : uint8_t { kEither, kOuter, kInner };
enum class Mode : uint8_t { kNumber, kNone, kAny };

struct Instr {
  Op op = Op::kAnd;
  bool negate = false;  // the clause was written with !=
  Which which = Which::kEither;
  Mode mode = Mode::kNumber;
  uint8_t family = 0;  // kIpNet*, kArpIp, kMulticastGroup: 4 or 6
  uint32_t end = 0;    // index one past this node's subtree
  uint32_t a = 0;
  uint32_t listBegin = 0;  // into Program::ranges
  uint32_t listCount = 0;
  uint64_t netHi = 0, netLo = 0, maskHi = 0, maskLo = 0;  // address and mask as IpAddress::high()/low()
};

struct Program {
  std::vector<Instr> code;
  std::vector<std::pair<uint32_t, uint32_t>> ranges;  // inclusive [first, last]
};

}  // namespace netmeter::filter
