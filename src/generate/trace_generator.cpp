#include "generate/trace_generator.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <queue>
#include <vector>

#include "generate/frame_builder.h"
#include "generate/network_model.h"
#include "generate/pcap_writer.h"
#include "generate/random.h"
#include "generate/session.h"

namespace netmeter {
namespace {

constexpr uint64_t kProgressEvery = 1 << 16;

// Packets a session should write: heavy-tailed (most small, a few elephants) with mean about `mean`.
uint32_t drawBudget(Random& r, uint64_t mean, uint64_t cap) {
  static constexpr std::array<uint32_t, 5> kWeights = {550, 300, 120, 28, 2};  // per mille
  static constexpr std::array<std::array<uint32_t, 2>, 5> kRanges = {
      {{10, 40}, {40, 120}, {120, 360}, {360, 900}, {1500, 15000}}};  // in hundredths of the mean
  const auto& range = kRanges[r.weighted(kWeights)];
  const uint64_t budget = mean * r.between(range[0], range[1]) / 100;
  return uint32_t(std::clamp<uint64_t>(budget, 1, cap));
}

struct QueueEntry {
  PacketTime time;
  uint64_t order;  // ties broken by insertion order, so the schedule never depends on the heap
  uint32_t slot;
};
struct Later {
  bool operator()(const QueueEntry& a, const QueueEntry& b) const {
    return a.time != b.time ? a.time > b.time : a.order > b.order;
  }
};

class TraceGenerator {
 public:
  TraceGenerator(const GeneratorOptions& options, PcapWriter& writer, GeneratorResult& result)
      : options_(options),
        writer_(writer),
        result_(result),
        random_(options.seed),
        model_(options, random_),
        context_{model_, random_, prefix_, Probability::of(options.retransmitShare),
                 Probability::of(options.resetShare)} {
    nanosPerPacket_ = std::max<uint64_t>(1, uint64_t(1e9 / options.packetsPerSecond));
    const uint64_t duration = options.packets * nanosPerPacket_;
    meanArrivalGap_ = std::max<uint64_t>(1, duration / options.connections);
    packetsPerSession_ = std::max<uint64_t>(2, options.packets / options.connections);
    budgetCap_ = options.packets / 20 + 10;
    arp_ = Probability::of(options.arpShare).threshold;
    icmp_ = arp_ + Probability::of(options.icmpShare).threshold;
    udp_ = icmp_ + Probability::of(options.udpShare).threshold;
    ipv6_ = Probability::of(options.ipv6Share);
  }

  void runSessions(const GeneratorProgress& progress);
  void runFlood(const GeneratorProgress& progress);

 private:
  void startNextSession();
  void emit(PacketTime time, const FrameSpec& frame, const GeneratorProgress& progress);
  SessionKind pickKind() {
    const uint64_t u = random_.next() >> 32;
    return u < arp_    ? SessionKind::kArp
           : u < icmp_ ? SessionKind::kIcmp
           : u < udp_  ? SessionKind::kUdp
                       : SessionKind::kTcp;
  }

  const GeneratorOptions& options_;
  PcapWriter& writer_;
  GeneratorResult& result_;
  Random random_;
  NetworkModel model_;
  std::array<uint8_t, kMaxPrefix> prefix_{};
  SessionContext context_;
  std::array<uint8_t, kMaxFrameLength> frame_{};
  uint64_t nanosPerPacket_ = 1;
  uint64_t meanArrivalGap_ = 1;
  uint64_t packetsPerSession_ = 2;
  uint64_t budgetCap_ = 10;
  uint64_t arp_ = 0, icmp_ = 0, udp_ = 0;
  Probability ipv6_;

  std::vector<Session> sessions_;
  std::vector<uint32_t> freeSlots_;
  std::priority_queue<QueueEntry, std::vector<QueueEntry>, Later> queue_;
  uint64_t order_ = 0;
  PacketTime nextArrival_ = 0;
  uint64_t started_ = 0;
  uint64_t fixedPlanned_ = 0;  // packets planned by sessions of fixed size (DNS, ICMP, ARP, ...)
  uint64_t budgetSessions_ = 0;
};

void TraceGenerator::startNextSession() {
  uint32_t slot;
  if (freeSlots_.empty()) {
    slot = uint32_t(sessions_.size());
    sessions_.emplace_back();
  } else {
    slot = freeSlots_.back();
    freeSlots_.pop_back();
  }
  // Sessions whose size follows a budget make up for the fixed-size ones, so that sessions
  // average packets / connections packets and the trace spans about the requested duration.
  ++started_;
  const uint64_t target = packetsPerSession_ * started_;
  const uint64_t bulkMean =
      std::clamp<uint64_t>(target > fixedPlanned_ ? (target - fixedPlanned_) / (budgetSessions_ + 1) : 0, 10,
                           50 * packetsPerSession_ + 10);
  const SessionKind kind = pickKind();
  const bool ipv6 = random_.chance(ipv6_);
  const uint32_t budget = drawBudget(random_, bulkMean, budgetCap_);
  Session& session = sessions_[slot];
  const uint32_t planned = startSession(session, kind, budget, ipv6, context_);
  if (followsBudget(session)) {
    ++budgetSessions_;
  } else {
    fixedPlanned_ += planned;
  }
  queue_.push({nextArrival_, order_++, slot});
  nextArrival_ += PacketTime(random_.below(2 * meanArrivalGap_ + 1));
}

void TraceGenerator::emit(PacketTime time, const FrameSpec& frame, const GeneratorProgress& progress) {
  const size_t length = buildFrame(frame, frame_);
  writer_.write(time, std::span<const uint8_t>(frame_.data(), length));
  if (result_.packets == 0) result_.firstTime = time;
  result_.lastTime = time;
  ++result_.packets;
  result_.wireBytes += length;
  result_.capturedBytes += std::min<uint64_t>(length, writer_.snapLength());
  if (frame.kind != FrameKind::kArp) ++(frame.srcIp.isV4() ? result_.ipv4Packets : result_.ipv6Packets);
  if (frame.vlan.tagged()) ++result_.vlanPackets;
  if (progress && result_.packets % kProgressEvery == 0) progress(result_.packets, options_.packets);
}

void TraceGenerator::runSessions(const GeneratorProgress& progress) {
  nextArrival_ = options_.start;
  FrameSpec frame;
  while (result_.packets < options_.packets) {
    if (queue_.empty() || nextArrival_ <= queue_.top().time) {
      startNextSession();
      continue;
    }
    const QueueEntry entry = queue_.top();
    queue_.pop();
    Session& session = sessions_[entry.slot];
    const PacketTime delay = stepSession(session, context_, frame);
    if (!session.emitted) {
      session.emitted = true;
      switch (session.kind) {
        case SessionKind::kTcp:
          ++result_.tcpConnections;
          break;
        case SessionKind::kUdp:
          ++result_.udpFlows;
          break;
        case SessionKind::kIcmp:
          ++result_.icmpExchanges;
          break;
        case SessionKind::kArp:
          ++result_.arpExchanges;
          break;
      }
    }
    emit(entry.time, frame, progress);
    if (delay == kSessionDone) {
      freeSlots_.push_back(entry.slot);
    } else {
      queue_.push({entry.time + delay, order_++, entry.slot});
    }
  }
}

// Every packet from a new random source address and port towards a few victim servers: a SYN flood
// with some UDP, the worst case for anything that keeps per-address or per-flow state.
void TraceGenerator::runFlood(const GeneratorProgress& progress) {
  const Probability tagged = Probability::of(options_.vlanShare);
  const auto& servers = model_.servers();
  const uint64_t victims = std::min<uint64_t>(servers.size(), 4);
  PacketTime time = options_.start;
  FrameSpec f;
  while (result_.packets < options_.packets) {
    const ServerHost& victim = servers[random_.below(victims)];
    const bool ipv6 = random_.chance(ipv6_);
    uint8_t source[16];
    for (int i = 0; i < 16; i += 8) {
      const uint64_t bits = random_.next();
      for (int k = 0; k < 8; ++k) source[i + k] = uint8_t(bits >> (8 * k));
    }
    if (ipv6) {
      source[0] = uint8_t(0x20 | (source[0] & 0x1f));  // 2000::/3, global unicast
      f.srcIp = IpAddress::v6(source);
      f.dstIp = victim.ipv6;
    } else {
      source[0] = uint8_t(1 + source[0] % 223);  // unicast first octet 1..223
      f.srcIp = IpAddress::v4(source);
      f.dstIp = victim.ipv4;
    }
    f.srcMac = model_.gatewayMacs()[0];
    f.dstMac = victim.mac;
    f.vlan = random_.chance(tagged) ? VlanTags{10, 0} : VlanTags{};
    f.ttl = uint8_t(random_.between(40, 250));
    f.ipId = uint16_t(random_.next32());
    f.srcPort = uint16_t(random_.between(1024, 65535));
    f.seq = random_.next32();
    f.ack = 0;
    f.prefix = {};
    if (random_.chance(Probability::of(0.8))) {
      f.kind = FrameKind::kTcp;
      f.dstPort = random_.chance(Probability::of(0.5)) ? 443 : 80;
      f.tcpFlags = tcp_flag::kSyn;
      f.window = 64240;
      f.mss = 1460;
      f.payloadLength = 0;
    } else {
      f.kind = FrameKind::kUdp;
      f.dstPort = 53;
      f.mss = 0;
      f.tcpFlags = 0;
      const size_t n = writeDnsMessage(false, uint16_t(f.seq), f.seq >> 16, 0, 0, prefix_);
      f.prefix = std::span<const uint8_t>(prefix_.data(), n);
      f.payloadLength = uint32_t(n);
    }
    emit(time, f, progress);
    time += PacketTime(random_.below(2 * nanosPerPacket_ + 1));
  }
}

}  // namespace

std::string validateOptions(const GeneratorOptions& o) {
  auto share = [](double v) { return v >= 0.0 && v <= 1.0; };
  if (o.packets == 0) return "packets must be at least 1";
  if (o.hosts == 0 || o.hosts > 16'000'000) return "hosts must be between 1 and 16000000";
  if (o.servers > 1'000'000) return "servers must be at most 1000000";
  if (o.connections == 0) return "connections must be at least 1";
  if (o.gateways == 0 || o.gateways > 64) return "gateways must be between 1 and 64";
  if (!share(o.ipv6Share) || !share(o.vlanShare) || !share(o.qinqShare) || !share(o.udpShare) ||
      !share(o.icmpShare) || !share(o.arpShare) || !share(o.retransmitShare) || !share(o.resetShare)) {
    return "shares must be between 0 and 1";
  }
  if (o.udpShare + o.icmpShare + o.arpShare > 1.0) return "udp, icmp and arp shares add up to more than 1";
  if (!(o.packetsPerSecond >= 0.01 && o.packetsPerSecond <= 1e9))
    return "packets per second must be in 0.01..1e9";
  if (o.snapLength < 60 || o.snapLength > 262'144) return "snap length must be between 60 and 262144";
  if (o.start < 0) return "start time must not be before 1970";
  return {};
}

GeneratorResult generateTrace(const GeneratorOptions& options, const std::string& path,
                              const GeneratorProgress& progress) {
  GeneratorResult result;
  if (std::string error = validateOptions(options); !error.empty()) {
    result.error = error;
    return result;
  }
  PcapWriter writer;
  if (std::string error = writer.open(path, options.snapLength); !error.empty()) {
    result.error = error;
    return result;
  }
  {
    TraceGenerator generator(options, writer, result);
    if (options.randomAddressFlood) {
      generator.runFlood(progress);
    } else {
      generator.runSessions(progress);
    }
  }
  if (std::string error = writer.close(); !error.empty()) {
    result.error = path + ": " + error;
    return result;
  }
  if (progress) progress(result.packets, options.packets);
  result.ok = true;
  return result;
}

}  // namespace netmeter
