#include "filter/operand.h"

#include <array>

#include "filter/names.h"

namespace netmeter::filter {

namespace {
constexpr std::array<std::string_view, kOperandCount> kNames{
    "ip",          "mac",        "port",       "portrange",       "serverport",
    "macProtocol", "l4Protocol", "l7Protocol", "countryCode",     "arpip",
    "vlan",        "outervlan",  "innervlan",  "multicastGroup",  "rtpPayloadType",
    "interface",   "link",       "ptpMsgType", "profinetFrameId", "profinetCmOpnum",
    "mpls",        "outerMpls",  "innerMpls",  "qosIpDscp",       "qosMplsTc",
    "qosVlanPcp",  "group",      "badCRC",     "icmpType",        "tcpFlags",
    "callId",      "ipFragment", "regexp",
};
}  // namespace

std::string_view operandName(Operand operand) {
  return kNames[static_cast<size_t>(operand)];
}

std::optional<Operand> findOperand(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (equalsIgnoreCase(kNames[i], name)) return static_cast<Operand>(i);
  }
  if (equalsIgnoreCase(name, "dpiProtocol")) return Operand::kL7Protocol;
  return std::nullopt;
}

}  // namespace netmeter::filter
