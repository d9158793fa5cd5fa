#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace netmeter::filter {

// Every operand of the capture-module filter language (reference: capture-module.txt, "Using expert
// filters to start captures"). Names are matched case-insensitively; dpiProtocol is l7Protocol.
enum class Operand : uint8_t {
  kIp,
  kMac,
  kPort,
  kPortRange,
  kServerPort,
  kMacProtocol,
  kL4Protocol,
  kL7Protocol,
  kCountryCode,
  kArpIp,
  kVlan,
  kOuterVlan,
  kInnerVlan,
  kMulticastGroup,
  kRtpPayloadType,
  kInterface,
  kLink,
  kPtpMsgType,
  kProfinetFrameId,
  kProfinetCmOpnum,
  kMpls,
  kOuterMpls,
  kInnerMpls,
  kQosIpDscp,
  kQosMplsTc,
  kQosVlanPcp,
  kGroup,
  kBadCrc,
  kIcmpType,
  kTcpFlags,
  kCallId,
  kIpFragment,
  kRegexp,
};
inline constexpr size_t kOperandCount = static_cast<size_t>(Operand::kRegexp) + 1;

// "ip", "l7Protocol", ... (the reference's spelling).
std::string_view operandName(Operand operand);
// Case-insensitive lookup, aliases included ("dpiProtocol").
std::optional<Operand> findOperand(std::string_view name);

}  // namespace netmeter::filter
