#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/protocol_names.h"

namespace netmeter::filter {

// Value names the compiler resolves to numbers (all case-insensitive). Numbers are accepted
// everywhere a name is (decimal, or 0x hex).
// (IP protocol, EtherType and DSCP names come from core/protocol_names.h, shared with the output.)
std::optional<uint8_t> rtpPayloadTypeNumber(std::string_view name);  // "PCMU" -> 0, "MP2T" -> 33
std::optional<uint8_t> ptpMessageTypeNumber(std::string_view name);  // "Sync" -> 0, "Announce" -> 11
std::optional<uint8_t> profinetCmOpnumNumber(
    std::string_view name);                                // "connect" -> 0 ... "read implicit" -> 5
std::optional<uint8_t> tcpFlagBit(std::string_view name);  // "syn" -> 0x02 (also ece, cwr)

// Layer-7 protocol names and the ids the DPI module stores in PacketContext::l7Protocol. The default
// table holds common protocols (id 0 = "Unknown"); the DPI module, once it exists, passes its own.
class L7ProtocolTable {
 public:
  static const L7ProtocolTable& builtIn();
  explicit L7ProtocolTable(std::vector<std::string> names) : names_(std::move(names)) {}
  std::optional<uint16_t> find(std::string_view name) const;  // case-insensitive
  std::string_view name(uint16_t id) const;
  size_t size() const { return names_.size(); }

 private:
  std::vector<std::string> names_;  // index = id
};

using netmeter::dscpNumber;
using netmeter::equalsIgnoreCase;
using netmeter::etherTypeNumber;
inline std::optional<uint8_t> l4ProtocolNumber(std::string_view name) { return ipProtocolNumber(name); }
// Decimal or 0x-hex unsigned number, at most `max`.
std::optional<uint32_t> parseNumber(std::string_view text, uint32_t max);

}  // namespace netmeter::filter
