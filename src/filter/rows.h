#pragma once

#include <cstdint>

#include "core/ip_address.h"
#include "core/mac_address.h"
#include "decode/decoded_packet.h"
#include "filter/packet_context.h"
#include "flow/connection.h"

namespace netmeter::filter {

// What a compiled filter can be evaluated against. Each row type exposes a subset of the operands;
// operands that a row type does not have are "not applicable": `==` is false and `!=` true (the
// exact complement, as for packets). docs/filter-language.md lists the semantics per row type.

// A packet: its decoded headers, its captured bytes (regexp, multicastGroup read them) and the
// module-owned facts (null: everything unknown).
struct PacketView {
  const DecodedPacket& packet;
  const uint8_t* data = nullptr;  // packet.capturedLength bytes
  const PacketContext* context = nullptr;
};

// A row of the connections table.
struct ConnectionView {
  const Connection& connection;
  const ConnectionContext* context = nullptr;
};

// A row of the IP table: ip, countryCode, group apply.
struct IpRow {
  IpAddress ip;
  uint16_t country = kCountryUnknown;
  uint64_t groups = kDefaultGroupBit;
};

// A row of the MAC table: mac applies.
struct MacRow {
  MacAddress mac;
};

// Three-valued result. kUndecided only arises from L7 operands while the connection's protocol is
// not classified yet (and/or follow Kleene logic: false and X = false, true or X = true).
enum class Match : uint8_t { kNo = 0, kYes = 1, kUndecided = 2 };

}  // namespace netmeter::filter
