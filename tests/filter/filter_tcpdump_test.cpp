// netmeter filters against libpcap's BPF (what `tcpdump -r FILE -w OUT 'BPF'` runs): for pairs of
// equivalent expressions, the set of matching packet indices must be identical on every capture in
// ../shared/pcaps.
//
// Semantic differences, and how this test keeps to the packets where both agree:
// - Tunnels: netmeter's ip/port/l4Protocol/tcpFlags/icmpType describe the INNERMOST packet, BPF the
//   outer one (unless the tunnel is spelled out). Tunnelled packets are not compared.
// - VLAN, MPLS and PPPoE: netmeter looks through the tags; BPF needs `vlan`/`mpls`/`pppoes` before
//   `host`/`port`. Packets with any of them are compared only for the vlan/mpls operands themselves.
// - IPv6 extension headers: netmeter walks them to the L4 header; BPF's `port`, `tcp[]`, `icmp6[]`
//   read the header right after the fixed IPv6 header. Packets with extension headers (and IPv6
//   fragments) are not compared.
// - Damage: netmeter stops decoding at the first damage (DecodedPacket::malformed); BPF reads whatever
//   bytes are there. Malformed packets are not compared.
// - `host` in BPF also matches ARP/RARP addresses; netmeter's `ip` does not (that is `arpip`), so the
//   pairs below use `ip host` / `ip6 host`.
// - tcpFlags / icmpType: BPF's tcp[] and icmp[] are IPv4-only; netmeter's work for IPv6 too. The
//   pairs restrict netmeter's side to IPv4 (and compare ICMPv6 types through icmp6[]).
// - PPP (DLT_PPP) frames without the FF 03 address/control field: BPF assumes it is there and misreads
//   the protocol; netmeter's decoder accepts both. Such packets are not compared.
// - ARP other than Ethernet/IPv4: netmeter's `arpip` does not match (no addresses decoded); BPF's
//   `arp host` reads the fixed Ethernet/IPv4 offsets anyway. Not compared.
// - ipFragment: the reference defines it for IPv4 only, like `ip[6:2] & 0x3fff != 0`.
#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "decode/decoder.h"
#include "filter/filter.h"
#include "io/capture_files.h"
#include "test_paths.h"

namespace netmeter::filter {
namespace {

// Which packets a pair is compared on.
enum class Scope {
  kPlain,  // no tunnel, VLAN, MPLS, PPPoE, IPv6 extension header, damage
  kVlan,   // as kPlain but VLAN tags allowed (vlan operands, with BPF `vlan`)
  kMpls,   // as kPlain but MPLS allowed and no VLAN (mpls operands, with BPF `mpls`)
};

struct Packet {
  std::vector<uint8_t> bytes;
  RawPacket raw;
  DecodedPacket d;
};

bool v6ExtensionHeaders(const DecodedPacket& d) {
  return d.ipVersion == 6 && (d.l4Offset == 0 || d.l4Offset != d.ipOffset + 40);
}

// PPP frames without the FF 03 address/control bytes (which DLT_PPP allows): libpcap's BPF always
// assumes them and reads the protocol two bytes too far.
bool bpfMisreadsPpp(const DecodedPacket& d, const uint8_t* bytes) {
  return d.linkType == static_cast<uint16_t>(LinkType::kPpp) && (d.capturedLength < 2 || bytes[0] != 0xff);
}

bool inScope(const DecodedPacket& d, const uint8_t* bytes, Scope scope) {
  if (bpfMisreadsPpp(d, bytes)) return false;
  // ARP for other hardware or protocol types: netmeter keeps no addresses, BPF reads fixed offsets.
  if (d.isArp && d.arpSenderIp.empty()) return false;
  if (d.malformed != MalformedReason::kNone || d.tunnel != TunnelType::kNone || d.tunnelDepth != 0 ||
      d.hasPppoe || v6ExtensionHeaders(d)) {
    return false;
  }
  switch (scope) {
    case Scope::kPlain:
      return d.vlanCount == 0 && d.mplsCount == 0;
    case Scope::kVlan:
      return d.mplsCount == 0;
    case Scope::kMpls:
      return d.vlanCount == 0;
  }
  return false;
}

std::vector<Packet> readAll(const std::string& path) {
  std::vector<Packet> out;
  OpenResult opened = openCaptureFiles({path});
  if (!opened.ok()) return out;
  RawPacket raw;
  while (opened.source->next(raw) == ReadStatus::kPacket) {
    Packet p;
    p.bytes.assign(raw.data, raw.data + raw.capturedLength);
    p.raw = raw;
    p.raw.data = nullptr;
    out.push_back(std::move(p));
  }
  for (Packet& p : out) {
    p.raw.data = p.bytes.data();
    decodePacket(p.raw, p.d);
  }
  return out;
}

// Values taken from each capture so that the expressions select something.
struct Samples {
  std::string v4, v4net16, v6, v6net64, mac, arpIp;
  uint16_t port = 0, port6 = 0;
  int outerVlan = -1, innerVlan = -1, mplsLabel = -1;
};

std::string v4Net16(const IpAddress& a) {
  return std::to_string(a.bytes[12]) + "." + std::to_string(a.bytes[13]) + ".0.0";
}
std::string v6Net64(const IpAddress& a) {
  IpAddress n = a;
  std::memset(n.bytes.data() + 8, 0, 8);
  return n.toString();
}

Samples samplesOf(const std::vector<Packet>& packets) {
  Samples s;
  for (const Packet& p : packets) {
    const DecodedPacket& d = p.d;
    if (inScope(d, p.bytes.data(), Scope::kPlain)) {
      if (s.v4.empty() && d.ipVersion == 4 && d.hasPorts) {
        s.v4 = d.srcIp.toString();
        s.v4net16 = v4Net16(d.dstIp);
        s.port = d.dstPort;
        if (d.hasMac) s.mac = d.srcMac.toString();
      }
      if (s.v6.empty() && d.ipVersion == 6 && d.hasPorts) {
        s.v6 = d.dstIp.toString();
        s.v6net64 = v6Net64(d.srcIp);
        s.port6 = d.srcPort;
      }
      if (s.arpIp.empty() && d.isArp) s.arpIp = d.arpTargetIp.toString();
    }
    if (inScope(d, p.bytes.data(), Scope::kVlan)) {
      if (s.outerVlan < 0 && d.vlanCount >= 1) s.outerVlan = d.outerVlan;
      if (s.innerVlan < 0 && d.vlanCount == 2) s.innerVlan = d.innerVlan;
    }
    if (inScope(d, p.bytes.data(), Scope::kMpls) && s.mplsLabel < 0 && d.mplsCount > 0)
      s.mplsLabel = static_cast<int>(d.mplsLabels[0]);
  }
  return s;
}

struct Pair {
  std::string ours;
  std::string bpf;
  Scope scope = Scope::kPlain;
  std::string label = {};  // the expression with sample values named (totals are kept by label)
};

std::vector<Pair> pairsFor(const Samples& s) {
  std::vector<Pair> pairs = {
      {"ip == 192.168.1.13 and port == 443", "ip host 192.168.1.13 and port 443"},
      {"ip == 10.0.0.1 and port == 443 or port == 80", "ip host 10.0.0.1 and port 443 or port 80"},
      {"portrange == 1-1023", "portrange 1-1023"},
      {"portrange == 53,80,443,8000-9000", "port 53 or port 80 or port 443 or portrange 8000-9000"},
      {"port != 53", "not port 53"},
      {"l4Protocol == TCP,UDP", "tcp or udp"},
      {"l4Protocol == ICMP,ICMPv6", "icmp or icmp6"},
      {"l4Protocol == 132 or l4Protocol == IGMP", "sctp or igmp"},
      {"macProtocol == IPv4", "ip"},
      {"macProtocol == IPv6", "ip6"},
      {"macProtocol == ARP", "arp"},
      {"tcpFlags == syn and macProtocol == IPv4", "tcp[tcpflags] & tcp-syn != 0"},
      {"tcpFlags == syn+ack and macProtocol == IPv4",
       "tcp[tcpflags] & (tcp-syn|tcp-ack) == (tcp-syn|tcp-ack)"},
      {"(tcpFlags == fin or tcpFlags == rst) and macProtocol == IPv4",
       "tcp[tcpflags] & (tcp-fin|tcp-rst) != 0"},
      {"tcpFlags == psh+ack and ip == 0.0.0.0/0", "tcp[tcpflags] & (tcp-push|tcp-ack) == (tcp-push|tcp-ack)"},
      {"icmpType == 8 and l4Protocol == ICMP", "icmp[icmptype] == icmp-echo"},
      {"icmpType == 0 and l4Protocol == ICMP", "icmp[icmptype] == icmp-echoreply"},
      {"icmpType == 3 and l4Protocol == ICMP", "icmp[icmptype] == icmp-unreach"},
      {"icmpType == 135 and l4Protocol == ICMPv6", "icmp6 and ip6[40] == 135"},
      {"icmpType == 128 and l4Protocol == ICMPv6", "icmp6 and ip6[40] == 128"},
      {"ipFragment == 1", "ip[6:2] & 0x3fff != 0"},
      {"ipFragment == 0 and l4Protocol == UDP", "ip[6:2] & 0x3fff == 0 and udp or ip6 and udp"},
      {"qosIpDscp == 0 and macProtocol == IPv4", "ip and ip[1] & 0xfc == 0"},
      {"ip == 224.0.0.0/4", "ip net 224.0.0.0/4"},
      {"ip == ff00::/8", "ip6 net ff00::/8"},
      {"vlan == any", "vlan", Scope::kVlan},
      {"vlan == none", "not vlan", Scope::kVlan},
      {"innervlan == any", "vlan and vlan", Scope::kVlan},
      {"mpls == any", "mpls", Scope::kMpls},
  };
  if (!s.v4.empty()) {
    pairs.push_back({"ip == " + s.v4, "ip host " + s.v4, Scope::kPlain, "ip == A4"});
    pairs.push_back({"ip == " + s.v4 + " and port == " + std::to_string(s.port),
                     "ip host " + s.v4 + " and port " + std::to_string(s.port), Scope::kPlain,
                     "ip == A4 and port == P"});
    pairs.push_back({"ip == " + s.v4 + ":" + std::to_string(s.port),
                     "(ip src host " + s.v4 + " and src port " + std::to_string(s.port) +
                         ") or (ip dst host " + s.v4 + " and dst port " + std::to_string(s.port) + ")",
                     Scope::kPlain, "ip == A4:P"});
    pairs.push_back(
        {"ip == " + s.v4net16 + "/16", "ip net " + s.v4net16 + "/16", Scope::kPlain, "ip == N4/16"});
    pairs.push_back({"ip == " + s.v4net16 + "/255.255.0.0", "ip net " + s.v4net16 + " mask 255.255.0.0",
                     Scope::kPlain, "ip == N4/255.255.0.0"});
    pairs.push_back({"ip != " + s.v4 + " and l4Protocol == TCP", "not ip host " + s.v4 + " and tcp",
                     Scope::kPlain, "ip != A4 and l4Protocol == TCP"});
    pairs.push_back(
        {"serverport == " + std::to_string(s.port) +
             " and tcpFlags == syn and tcpFlags != ack and macProtocol == IPv4",
         "tcp dst port " + std::to_string(s.port) + " and tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn",
         Scope::kPlain, "serverport == P and tcpFlags == syn and tcpFlags != ack"});
  }
  if (!s.v6.empty()) {
    pairs.push_back({"ip == " + s.v6, "ip6 host " + s.v6, Scope::kPlain, "ip == A6"});
    pairs.push_back({"ip == [" + s.v6 + "]:" + std::to_string(s.port6),
                     "(ip6 src host " + s.v6 + " and src port " + std::to_string(s.port6) +
                         ") or (ip6 dst host " + s.v6 + " and dst port " + std::to_string(s.port6) + ")",
                     Scope::kPlain, "ip == [A6]:P"});
    pairs.push_back(
        {"ip == " + s.v6net64 + "/64", "ip6 net " + s.v6net64 + "/64", Scope::kPlain, "ip == N6/64"});
  }
  if (!s.mac.empty()) pairs.push_back({"mac == " + s.mac, "ether host " + s.mac, Scope::kPlain, "mac == M"});
  if (!s.arpIp.empty())
    pairs.push_back({"arpip == " + s.arpIp, "arp host " + s.arpIp, Scope::kPlain, "arpip == A"});
  if (s.outerVlan >= 0) {
    pairs.push_back({"outervlan == " + std::to_string(s.outerVlan), "vlan " + std::to_string(s.outerVlan),
                     Scope::kVlan, "outervlan == V"});
  }
  if (s.innerVlan >= 0) {
    pairs.push_back({"innervlan == " + std::to_string(s.innerVlan),
                     "vlan and vlan " + std::to_string(s.innerVlan), Scope::kVlan, "innervlan == V"});
  }
  if (s.mplsLabel >= 0) {
    pairs.push_back({"outerMpls == " + std::to_string(s.mplsLabel), "mpls " + std::to_string(s.mplsLabel),
                     Scope::kMpls, "outerMpls == L"});
  }
  return pairs;
}

struct BpfProgram {
  bpf_program program{};
  bool ok = false;
  ~BpfProgram() {
    if (ok) pcap_freecode(&program);
  }
};

// Compiles `bpf` for one link type; false when libpcap does not support it on that link. Like
// tcpdump, it compiles against the file itself when libpcap can open it with that link type (this
// matters: for DLT_NULL the address family's byte order follows the file).
bool compileBpf(const std::string& bpf, const std::string& file, int linkType, BpfProgram& out) {
  char error[PCAP_ERRBUF_SIZE];
  pcap_t* handle = pcap_open_offline(file.c_str(), error);
  if (handle != nullptr && pcap_datalink(handle) != linkType) {
    pcap_close(handle);
    handle = nullptr;
  }
  if (handle == nullptr) handle = pcap_open_dead(linkType, 262144);
  if (handle == nullptr) return false;
  out.ok = pcap_compile(handle, &out.program, bpf.c_str(), 1, PCAP_NETMASK_UNKNOWN) == 0;
  pcap_close(handle);
  return out.ok;
}

std::vector<std::filesystem::path> captures() {
  std::vector<std::filesystem::path> out;
  const std::filesystem::path root = test::sharedPcap("");
  if (!std::filesystem::exists(root)) return out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    const std::string ext = e.path().extension().string();
    if (e.is_regular_file() && (ext == ".pcap" || ext == ".pcapng")) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct Totals {
  size_t compared = 0;
  size_t matched = 0;
};

TEST(FilterVsTcpdump, SameMatchingPacketsOnEveryCapture) {
  const auto files = captures();
  if (files.empty()) GTEST_SKIP() << "no shared captures";
  std::map<std::string, Totals> totals;  // by our expression with the sample values replaced
  size_t packetsCompared = 0, mismatches = 0;
  for (const auto& file : files) {
    std::vector<Packet> packets = readAll(file.string());
    if (packets.empty()) continue;
    for (const Pair& pair : pairsFor(samplesOf(packets))) {
      CompileResult ours = Filter::compile(pair.ours);
      ASSERT_TRUE(ours.ok()) << pair.ours << ": " << ours.error.toString();
      std::map<int, std::unique_ptr<BpfProgram>> bpfByLink;
      Totals& t = totals[pair.label.empty() ? pair.ours : pair.label];
      for (size_t i = 0; i < packets.size(); ++i) {
        const Packet& p = packets[i];
        if (!inScope(p.d, p.bytes.data(), pair.scope)) continue;
        auto& bpf = bpfByLink[p.raw.linkType];
        if (!bpf) {
          bpf = std::make_unique<BpfProgram>();
          compileBpf(pair.bpf, file.string(), p.raw.linkType, *bpf);
        }
        if (!bpf->ok) continue;  // libpcap has no such filter on this link type
        pcap_pkthdr header{};
        header.caplen = p.raw.capturedLength;
        header.len = p.raw.originalLength;
        const bool theirs = pcap_offline_filter(&bpf->program, &header, p.bytes.data()) != 0;
        const bool mine = ours.filter->match(PacketView{p.d, p.bytes.data()}) == Match::kYes;
        ++t.compared;
        ++packetsCompared;
        if (mine) ++t.matched;
        if (mine != theirs && ++mismatches <= 20) {
          ADD_FAILURE() << file.filename() << " packet " << i << ": '" << pair.ours << "' = " << mine
                        << ", BPF '" << pair.bpf << "' = " << theirs;
        }
      }
    }
  }
  EXPECT_EQ(mismatches, 0u);
  EXPECT_GT(packetsCompared, 100000u);
  // Every pair must have selected something somewhere, or it proves nothing.
  for (const auto& [expr, t] : totals) {
    std::printf("  %-60s compared %7zu matched %6zu\n", expr.c_str(), t.compared, t.matched);
    EXPECT_GT(t.matched, 0u) << "'" << expr << "' matched no packet in " << t.compared;
  }
}

}  // namespace
}  // namespace netmeter::filter
