#pragma once

#include <cstdint>

#include "decode/decoded_packet.h"
#include "io/raw_packet.h"

namespace netmeter {

// Decodes one packet's link, network, transport and tunnel headers into a DecodedPacket. Never reads
// past capturedLength, never allocates, never throws: damage is reported in DecodedPacket::malformed and
// the layers decoded before it stay filled in.
//
// Decoding stops at the first damage. A packet is decoded alone: a fragment's first piece carries the
// ports, later ones only addresses, until IpReassembler (the reader's, after decodePacket) and
// decodeReassembled() make the whole datagram of them. Tunnels (IP-in-IP, 6in4, GRE, VXLAN on UDP 4789,
// Geneve on UDP 6081, GTP-U on UDP 2152, Teredo on UDP 3544 or on any UDP port when the datagram is exactly
// one IPv6 packet to or from 2001:0::/32, MPLS over UDP 6635) are removed up to 4 levels; see DecodedPacket
// for which fields describe which layer.
void decodePacket(const RawPacket& raw, DecodedPacket& out);

// `p`: a fragment that completed its datagram (IpReassembler::add), `frame`/`length` what add()
// returned. Decodes the whole datagram from p's IP header on (its layer-2 fields, and the tunnels it
// was found in, stay); the fragment's own frame fields (wire and captured length, fragment fields)
// stay too, and fragmentRole becomes kReassembled. Damage inside the datagram is reported as for any
// packet.
void decodeReassembled(const uint8_t* frame, uint32_t length, DecodedPacket& p);

}  // namespace netmeter
