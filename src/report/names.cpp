#include "report/names.h"

namespace netmeter {

std::string_view ipProtocolName(uint8_t protocol) {
  switch (protocol) {
    case 0: return "HOPOPT";
    case 1: return "ICMP";
    case 2: return "IGMP";
    case 4: return "IPIP";
    case 6: return "TCP";
    case 17: return "UDP";
    case 41: return "IPv6";
    case 43: return "IPv6-Route";
    case 44: return "IPv6-Frag";
    case 46: return "RSVP";
    case 47: return "GRE";
    case 50: return "ESP";
    case 51: return "AH";
    case 58: return "ICMPv6";
    case 59: return "IPv6-NoNxt";
    case 60: return "IPv6-Opts";
    case 88: return "EIGRP";
    case 89: return "OSPF";
    case 103: return "PIM";
    case 112: return "VRRP";
    case 115: return "L2TP";
    case 132: return "SCTP";
    case 136: return "UDPLite";
    default: return "";
  }
}

std::string_view etherTypeName(uint16_t etherType) {
  switch (etherType) {
    case 0x0000: return "LLC";
    case 0x0800: return "IPv4";
    case 0x0806: return "ARP";
    case 0x0842: return "Wake-on-LAN";
    case 0x22f0: return "AVTP";
    case 0x22f3: return "TRILL";
    case 0x8035: return "RARP";
    case 0x809b: return "AppleTalk";
    case 0x8100: return "VLAN";
    case 0x8137: return "IPX";
    case 0x86dd: return "IPv6";
    case 0x8808: return "Ethernet flow control";
    case 0x8809: return "Slow protocols (LACP)";
    case 0x8847: return "MPLS";
    case 0x8848: return "MPLS multicast";
    case 0x8863: return "PPPoE discovery";
    case 0x8864: return "PPPoE session";
    case 0x887b: return "HomePlug";
    case 0x888e: return "EAPOL";
    case 0x8892: return "PROFINET";
    case 0x88a4: return "EtherCAT";
    case 0x88a8: return "QinQ";
    case 0x88b8: return "GOOSE";
    case 0x88cc: return "LLDP";
    case 0x88e5: return "MACsec";
    case 0x88e7: return "PBB";
    case 0x88f7: return "PTP";
    case 0x8902: return "CFM";
    case 0x8906: return "FCoE";
    case 0x9000: return "Loopback";
    case 0x9100: return "QinQ (old)";
    default: return "";
  }
}

std::string_view dscpName(uint8_t dscp) {
  switch (dscp) {
    case 0: return "BE";
    case 8: return "CS1";
    case 10: return "AF11";
    case 12: return "AF12";
    case 14: return "AF13";
    case 16: return "CS2";
    case 18: return "AF21";
    case 20: return "AF22";
    case 22: return "AF23";
    case 24: return "CS3";
    case 26: return "AF31";
    case 28: return "AF32";
    case 30: return "AF33";
    case 32: return "CS4";
    case 34: return "AF41";
    case 36: return "AF42";
    case 38: return "AF43";
    case 40: return "CS5";
    case 44: return "VOICE-ADMIT";
    case 46: return "EF";
    case 48: return "CS6";
    case 56: return "CS7";
    default: return "";
  }
}

}  // namespace netmeter
