#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <tuple>

#include "generate/random.h"
#include "generate/trace_generator.h"
#include "trace_reader.h"

namespace netmeter {
namespace {

namespace fs = std::filesystem;
using test::ParsedPacket;

class TempFile {
 public:
  explicit TempFile(const std::string& name)
      : path_(fs::temp_directory_path() / ("netmeter_gen_" + std::to_string(::getpid()) + "_" + name)) {}
  ~TempFile() {
    std::error_code ignored;
    fs::remove(path_, ignored);
  }
  std::string str() const { return path_.string(); }

 private:
  fs::path path_;
};

uint64_t hashFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a
  char buffer[1 << 16];
  while (in.read(buffer, sizeof(buffer)) || in.gcount() > 0) {
    for (std::streamsize i = 0; i < in.gcount(); ++i) h = (h ^ uint8_t(buffer[i])) * 0x100000001b3ULL;
  }
  return h;
}

GeneratorOptions smallOptions() {
  GeneratorOptions o;
  o.seed = 42;
  o.packets = 30'000;
  o.hosts = 400;
  o.servers = 200;
  o.connections = 3'000;
  o.packetsPerSecond = 3'000;  // a 10-second trace, long enough for sessions to finish
  return o;
}

GeneratorResult generate(const GeneratorOptions& o, const TempFile& file) {
  GeneratorResult r = generateTrace(o, file.str());
  EXPECT_TRUE(r.ok) << r.error;
  return r;
}

TEST(Random, SameSeedSameStreamAndKnownValues) {
  Random a(7), b(7), c(8);
  bool differs = false;
  for (int i = 0; i < 1000; ++i) {
    const uint64_t x = a.next();
    EXPECT_EQ(x, b.next());
    differs |= x != c.next();
  }
  EXPECT_TRUE(differs);
  // Pinned output: any change to the PRNG changes every generated trace.
  Random d(0);
  EXPECT_EQ(d.next(), 0x99ec5f36cb75f2b4ULL);
}

TEST(Random, BelowIsInRangeAndRoughlyUniform) {
  Random r(1);
  uint64_t counts[10] = {};
  for (int i = 0; i < 100'000; ++i) {
    const uint64_t v = r.below(10);
    ASSERT_LT(v, 10u);
    ++counts[v];
  }
  for (uint64_t c : counts) EXPECT_NEAR(double(c), 10'000.0, 600.0);
  EXPECT_EQ(r.below(0), 0u);
  EXPECT_EQ(r.between(5, 5), 5u);
  int hits = 0;
  for (int i = 0; i < 100'000; ++i) hits += r.chance(Probability::of(0.25));
  EXPECT_NEAR(hits, 25'000, 800);
  EXPECT_FALSE(r.chance(Probability::of(0.0)));
  EXPECT_TRUE(r.chance(Probability::of(1.0)));
}

TEST(Generate, SameOptionsGiveByteIdenticalFiles) {
  TempFile a("det_a.pcap"), b("det_b.pcap"), c("det_c.pcap");
  GeneratorOptions o = smallOptions();
  generate(o, a);
  generate(o, b);
  EXPECT_EQ(hashFile(a.str()), hashFile(b.str()));
  EXPECT_EQ(fs::file_size(a.str()), fs::file_size(b.str()));
  o.seed = 43;
  generate(o, c);
  EXPECT_NE(hashFile(a.str()), hashFile(c.str()));
}

TEST(Generate, FloodIsDeterministicToo) {
  TempFile a("flood_a.pcap"), b("flood_b.pcap");
  GeneratorOptions o = smallOptions();
  o.randomAddressFlood = true;
  o.packets = 5'000;
  generate(o, a);
  generate(o, b);
  EXPECT_EQ(hashFile(a.str()), hashFile(b.str()));
}

TEST(Generate, ReadsBackWithLibpcapInOrderWithNanoseconds) {
  TempFile file("readback.pcap");
  const GeneratorOptions o = smallOptions();
  const GeneratorResult result = generate(o, file);
  EXPECT_EQ(result.packets, o.packets);

  // Magic of a nanosecond-resolution classic pcap, as written on a little-endian machine.
  std::ifstream in(file.str(), std::ios::binary);
  uint8_t magic[4];
  in.read(reinterpret_cast<char*>(magic), 4);
  EXPECT_EQ(magic[0], 0x4d);
  EXPECT_EQ(magic[1], 0x3c);
  EXPECT_EQ(magic[2], 0xb2);
  EXPECT_EQ(magic[3], 0xa1);

  const test::ReadResult trace = test::readTrace(file.str());
  ASSERT_TRUE(trace.error.empty()) << trace.error;
  ASSERT_EQ(trace.packets.size(), o.packets);
  EXPECT_EQ(trace.packets.front().time, o.start);
  EXPECT_EQ(trace.packets.front().time, result.firstTime);
  EXPECT_EQ(trace.packets.back().time, result.lastTime);
  uint64_t subMicro = 0;
  uint64_t captured = 0, wire = 0;
  for (size_t i = 0; i < trace.packets.size(); ++i) {
    const ParsedPacket& p = trace.packets[i];
    if (i > 0) {
      ASSERT_GE(p.time, trace.packets[i - 1].time) << "packet " << i;
    }
    subMicro += p.time % 1000 != 0;
    EXPECT_EQ(p.caplen, std::min(p.len, o.snapLength));
    EXPECT_GE(p.len, 60u);
    EXPECT_LE(p.len, 1522u);
    captured += p.caplen;
    wire += p.len;
  }
  EXPECT_GT(subMicro, trace.packets.size() / 2) << "timestamps should use nanoseconds";
  EXPECT_EQ(captured, result.capturedBytes);
  EXPECT_EQ(wire, result.wireBytes);
  // The trace spans roughly packets / rate seconds.
  const double seconds = double(result.lastTime - result.firstTime) / 1e9;
  EXPECT_GT(seconds, 5.0);
  EXPECT_LT(seconds, 20.0);
}

struct Mix {
  uint64_t ip = 0, ipv4 = 0, ipv6 = 0, vlan = 0, qinq = 0, arp = 0, tcp = 0, udp = 0, icmp = 0;
  uint64_t badIpv4Checksum = 0, badLengths = 0, badTransportChecksum = 0;
  std::set<std::array<uint8_t, 16>> clientIpv4;
};

Mix mixOf(const std::vector<ParsedPacket>& packets) {
  Mix m;
  for (const ParsedPacket& p : packets) {
    m.vlan += p.vlanTags > 0;
    m.qinq += p.vlanTags == 2;
    if (p.arp) {
      ++m.arp;
      continue;
    }
    ++m.ip;
    (p.ipVersion == 4 ? m.ipv4 : m.ipv6) += 1;
    m.tcp += p.protocol == 6;
    m.udp += p.protocol == 17;
    m.icmp += p.protocol == 1 || p.protocol == 58;
    m.badIpv4Checksum += p.ipVersion == 4 && !p.ipv4ChecksumOk;
    m.badLengths += !p.lengthsOk;
    m.badTransportChecksum += p.caplen == p.len && p.protocol != 1 && !p.transportChecksumOk;
    if (p.ipVersion == 4 && p.src[0] == 10) m.clientIpv4.insert(p.src);
    if (p.ipVersion == 4 && p.dst[0] == 10) m.clientIpv4.insert(p.dst);
  }
  return m;
}

TEST(Generate, PacketsParseAndHonourShares) {
  TempFile file("shares.pcap");
  GeneratorOptions o = smallOptions();
  o.ipv6Share = 0.3;
  o.vlanShare = 0.4;
  o.qinqShare = 0.25;
  o.snapLength = 65535;  // whole packets, so transport checksums can be checked too
  const GeneratorResult result = generate(o, file);
  const test::ReadResult trace = test::readTrace(file.str());
  ASSERT_EQ(trace.packets.size(), o.packets);
  const Mix m = mixOf(trace.packets);
  EXPECT_EQ(m.badIpv4Checksum, 0u);
  EXPECT_EQ(m.badLengths, 0u);
  EXPECT_EQ(m.badTransportChecksum, 0u);
  EXPECT_EQ(m.ip + m.arp, o.packets);
  EXPECT_EQ(m.tcp + m.udp + m.icmp, m.ip);
  EXPECT_EQ(m.ipv4, result.ipv4Packets);
  EXPECT_EQ(m.ipv6, result.ipv6Packets);
  EXPECT_EQ(m.vlan, result.vlanPackets);
  EXPECT_NEAR(double(m.ipv6) / double(m.ip), o.ipv6Share, 0.08);
  EXPECT_NEAR(double(m.vlan) / double(o.packets), o.vlanShare, 0.1);
  EXPECT_GT(m.qinq, 0u);
  EXPECT_GT(m.arp, 0u);
  EXPECT_GT(m.icmp, 0u);
  EXPECT_GT(m.udp, m.ip / 50);
  EXPECT_GT(m.tcp, m.ip / 2);
  EXPECT_LE(m.clientIpv4.size(), o.hosts);
  EXPECT_GT(m.clientIpv4.size(), o.hosts / 2);
}

TEST(Generate, ZeroAndFullSharesAreExact) {
  TempFile a("none.pcap"), b("all.pcap");
  GeneratorOptions o = smallOptions();
  o.packets = 5'000;
  o.ipv6Share = 0;
  o.vlanShare = 0;
  generate(o, a);
  Mix m = mixOf(test::readTrace(a.str()).packets);
  EXPECT_EQ(m.ipv6, 0u);
  EXPECT_EQ(m.vlan, 0u);
  o.ipv6Share = 1;
  o.vlanShare = 1;
  generate(o, b);
  m = mixOf(test::readTrace(b.str()).packets);
  EXPECT_EQ(m.ipv4, 0u);
  EXPECT_EQ(m.vlan, o.packets);
}

TEST(Generate, HostsOptionBoundsTheClients) {
  TempFile file("hosts.pcap");
  GeneratorOptions o = smallOptions();
  o.hosts = 37;
  o.packets = 10'000;
  generate(o, file);
  const Mix m = mixOf(test::readTrace(file.str()).packets);
  EXPECT_EQ(m.clientIpv4.size(), 37u);
}

// Per TCP connection: starts with a SYN from the client, and each side's sequence numbers advance
// by exactly the bytes (plus SYN and FIN) it sent, apart from the few retransmissions.
TEST(Generate, TcpSequenceNumbersAreConsistent) {
  TempFile file("tcp.pcap");
  GeneratorOptions o = smallOptions();
  o.retransmitShare = 0.02;
  const GeneratorResult result = generate(o, file);
  const test::ReadResult trace = test::readTrace(file.str());
  using Key = std::tuple<std::array<uint8_t, 16>, uint16_t, std::array<uint8_t, 16>, uint16_t>;
  std::map<Key, uint32_t> nextSeq;  // per direction
  std::set<Key> connections;
  uint64_t retransmissions = 0, dataSegments = 0, badStart = 0, badAck = 0;
  for (const ParsedPacket& p : trace.packets) {
    if (p.protocol != 6) continue;
    const Key key{p.src, p.srcPort, p.dst, p.dstPort};
    const Key reverse{p.dst, p.dstPort, p.src, p.srcPort};
    const bool syn = p.tcpFlags & 0x02;
    const bool ackFlag = p.tcpFlags & 0x10;
    if (!connections.count(key) && !connections.count(reverse)) {
      badStart += !(syn && !ackFlag);
      connections.insert(key);
    }
    auto it = nextSeq.find(key);
    if (it != nextSeq.end() && p.seq != it->second) {
      if (syn && !ackFlag && p.seq == it->second - 1) continue;  // SYN sent again
      if (p.tcpFlags & 0x04) continue;                           // RST answering a SYN
      ASSERT_LT(int32_t(p.seq - it->second), 0) << "sequence jumped forward";
      ++retransmissions;
      continue;
    }
    dataSegments += p.payloadLength > 0;
    nextSeq[key] = p.seq + p.payloadLength + (syn ? 1 : 0) + ((p.tcpFlags & 0x01) ? 1 : 0);
    if (ackFlag && !(p.tcpFlags & 0x04)) {
      auto other = nextSeq.find(reverse);
      badAck += other != nextSeq.end() && p.ack != other->second;
    }
  }
  EXPECT_EQ(badStart, 0u);
  EXPECT_EQ(badAck, 0u);
  EXPECT_EQ(connections.size(), result.tcpConnections);
  EXPECT_GT(retransmissions, 0u);
  EXPECT_LT(retransmissions, dataSegments / 10);
}

TEST(Generate, FloodUsesANewSourceForEveryPacket) {
  TempFile file("flood.pcap");
  GeneratorOptions o = smallOptions();
  o.randomAddressFlood = true;
  o.packets = 20'000;
  o.ipv6Share = 0.5;
  generate(o, file);
  const test::ReadResult trace = test::readTrace(file.str());
  ASSERT_EQ(trace.packets.size(), o.packets);
  std::set<std::pair<std::array<uint8_t, 16>, uint16_t>> sources;
  const Mix m = mixOf(trace.packets);
  for (const ParsedPacket& p : trace.packets) sources.insert({p.src, p.srcPort});
  EXPECT_EQ(sources.size(), o.packets);
  EXPECT_EQ(m.badIpv4Checksum, 0u);
  EXPECT_EQ(m.badLengths, 0u);
  EXPECT_NEAR(double(m.ipv6) / double(m.ip), 0.5, 0.05);
}

TEST(Generate, BadOptionsAndPathsAreErrors) {
  GeneratorOptions o = smallOptions();
  o.packets = 0;
  EXPECT_FALSE(generateTrace(o, "/tmp/never-written.pcap").ok);
  o = smallOptions();
  o.ipv6Share = 1.5;
  EXPECT_NE(validateOptions(o), "");
  o = smallOptions();
  o.udpShare = 0.9;
  o.icmpShare = 0.2;
  EXPECT_NE(validateOptions(o), "");
  EXPECT_EQ(validateOptions(smallOptions()), "");
  const GeneratorResult r = generateTrace(smallOptions(), "/nonexistent-dir/x.pcap");
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("/nonexistent-dir/x.pcap"), std::string::npos);
}

TEST(Generate, TsharkSeesEveryTcpConnection) {
  if (std::system("command -v tshark >/dev/null 2>&1") != 0) GTEST_SKIP() << "tshark not installed";
  TempFile file("tshark.pcap");
  TempFile out("tshark.txt");
  GeneratorOptions o = smallOptions();
  o.packets = 20'000;
  const GeneratorResult result = generate(o, file);
  const std::string command =
      "tshark -r '" + file.str() + "' -q -z conv,tcp > '" + out.str() + "' 2>/dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0);
  std::ifstream in(out.str());
  uint64_t conversations = 0;
  for (std::string line; std::getline(in, line);) conversations += line.find("<->") != std::string::npos;
  EXPECT_EQ(conversations, result.tcpConnections);
  EXPECT_GT(conversations, 100u);
}

}  // namespace
}  // namespace netmeter
