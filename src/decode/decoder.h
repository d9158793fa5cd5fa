#pragma once

#include <cstdint>

#include "decode/decoded_packet.h"
#include "io/raw_packet.h"

namespace netmeter {

// Decodes one packet's link, network, transport and tunnel headers into a DecodedPacket. Never reads
// past capturedLength, never allocates, never throws: damage is reported in DecodedPacket::malformed and
// the layers decoded before it stay filled in.
//
// Decoding stops at the first damage; IPv4/IPv6 fragments are not reassembled (the first fragment
// carries the ports, later ones only addresses). Tunnels (IP-in-IP, 6in4, GRE, VXLAN on UDP 4789,
// GTP-U on UDP 2152, Teredo on UDP 3544 or on any UDP port when the datagram is exactly one IPv6
// packet to or from 2001:0::/32, MPLS over UDP 6635) are removed up to 4 levels; see
// DecodedPacket for which fields describe which layer.
void decodePacket(const RawPacket& raw, DecodedPacket& out);

}  // namespace netmeter
