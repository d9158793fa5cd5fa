#include "generate/session.h"

#include <algorithm>
#include <array>

namespace netmeter {
namespace {

constexpr MacAddress kBroadcastMac{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

// Round-trip time: sub-millisecond on the LAN, tens to hundreds of milliseconds over the Internet.
uint32_t pickRtt(Random& r, bool local) {
  if (local) return uint32_t(r.between(80'000, 900'000));
  static constexpr std::array<uint32_t, 3> kWeights = {60, 35, 5};
  switch (r.weighted(kWeights)) {
    case 0:
      return uint32_t(r.between(4'000'000, 40'000'000));
    case 1:
      return uint32_t(r.between(40'000'000, 150'000'000));
    default:
      return uint32_t(r.between(150'000'000, 400'000'000));
  }
}

// Gap between back-to-back segments from the same side (serialisation plus jitter).
PacketTime burstGap(Random& r) {
  return PacketTime(r.between(12'000, 150'000));
}
// A host answering what it just received (kernel ACK, delayed ACK now and then).
PacketTime reactionDelay(Random& r) {
  return r.chance(Probability::of(0.1)) ? PacketTime(r.between(1'000'000, 40'000'000))
                                        : PacketTime(r.between(20'000, 300'000));
}
// User or application think time between two request/response exchanges.
PacketTime thinkTime(Random& r) {
  static constexpr std::array<uint32_t, 3> kWeights = {60, 30, 10};
  switch (r.weighted(kWeights)) {
    case 0:
      return PacketTime(r.between(500'000, 50'000'000));
    case 1:
      return PacketTime(r.between(50'000'000, 1'000'000'000));
    default:
      return PacketTime(r.between(1'000'000'000, 8'000'000'000));
  }
}
PacketTime serverProcessing(Random& r) {
  return PacketTime(r.between(50'000, 20'000'000));
}

void fillEndpoints(const Session& s, SessionContext& c, bool fromClient, FrameSpec& f) {
  ClientHost& client = c.model.clients()[s.client];
  ServerHost& server = c.model.servers()[s.server];
  const MacAddress& hop = c.model.nextHopMac(client, server);
  const IpAddress& clientIp = s.ipv6 ? client.ipv6 : client.ipv4;
  const IpAddress& serverIp = s.ipv6 ? server.ipv6 : server.ipv4;
  f.vlan = client.vlan;
  f.mss = 0;
  f.tcpFlags = 0;
  f.reply = false;
  f.payloadLength = 0;
  f.prefix = {};
  if (fromClient) {
    f.srcMac = client.mac;
    f.dstMac = hop;
    f.srcIp = clientIp;
    f.dstIp = serverIp;
    f.ttl = client.ttl;
    f.ipId = client.nextIpId++;
    f.srcPort = s.clientPort;
    f.dstPort = s.serverPort;
    f.window = s.clientWindow;
  } else {
    f.srcMac = hop;
    f.dstMac = client.mac;
    f.srcIp = serverIp;
    f.dstIp = clientIp;
    f.ttl = server.ttl;
    f.ipId = server.nextIpId++;
    f.srcPort = s.serverPort;
    f.dstPort = s.clientPort;
    f.window = s.serverWindow;
  }
}

// ---- TCP ----------------------------------------------------------------------------------------

enum TcpPhase : uint8_t {
  kSyn,
  kSynAck,
  kHandshakeAck,
  kRequest,
  kResponse,
  kClientAck,
  kClose1,
  kClose2,
  kClose3,
  kRefusedReset,
  kGreeting,  // server-first protocols: the server's banner after the handshake
};

void beginTcpExchange(Session& s, Random& r) {
  const bool tls = s.service == Service::kHttps || s.service == Service::kImaps;
  const bool http = s.service == Service::kHttp || s.service == Service::kHttpAlt;
  const uint32_t perExchange = std::max<uint32_t>(s.packetsPerExchange, 3);
  s.variant = s.exchange > 0 && r.chance(Probability::of(0.05)) ? 1 : 0;  // an upload
  uint32_t requestSegments = 1;
  if (s.variant == 1) {
    requestSegments = std::max<uint32_t>(1, (perExchange - 1) * 2 / 3);
    s.requestTotal = (requestSegments - 1) * s.mss + uint32_t(r.between(100, s.mss));
  } else if (s.exchange == 0 && tls) {
    s.requestTotal = uint32_t(r.between(220, 580));
  } else if (http) {
    s.requestTotal = uint32_t(r.between(280, 600));
  } else {
    s.requestTotal = uint32_t(r.between(40, 420));
  }
  const uint32_t left = perExchange > requestSegments + 1 ? perExchange - requestSegments - 1 : 1;
  const uint32_t responseSegments = s.variant == 1 ? 1 : std::max<uint32_t>(1, left * 2 / 3);
  s.responseTotal = responseSegments == 1 ? uint32_t(r.between(40, s.mss))
                                          : (responseSegments - 1) * s.mss + uint32_t(r.between(100, s.mss));
  // Handshake messages (a login, a negotiation) have the size their content gives them.
  PrefixRequest message{s.service, true, s.exchange, 0, 0, s.name, s.id};
  if (const uint32_t fixed = fixedMessageLength(message)) {
    s.requestTotal = fixed;
    s.variant = 0;
  }
  message.fromClient = false;
  if (const uint32_t fixed = fixedMessageLength(message)) s.responseTotal = fixed;
  s.requestLeft = s.requestTotal;
  s.responseLeft = s.responseTotal;
  s.segmentsSinceAck = 0;
}

void startTcp(Session& s, uint32_t budget, SessionContext& c) {
  Random& r = c.random;
  s.server = c.model.pickServer(r, false);
  const ServerHost& server = c.model.servers()[s.server];
  s.service = server.service;
  s.serverPort = serviceInfo(s.service).port;
  s.mss = uint16_t((s.ipv6 ? 1440 : 1460) - (r.chance(Probability::of(0.1)) ? 80 : 0));
  s.clientSeq = r.next32();
  s.serverSeq = r.next32();
  s.id = uint16_t(s.clientSeq >> 16);  // varies the handshake bytes (random, ids, salts) per connection
  s.rtt = pickRtt(r, server.local);
  // Windows after the handshake, scaled by 2^7 (the SYN options announce window scale 7).
  static constexpr std::array<uint16_t, 4> kClientWindows = {502, 501, 2048, 1026};
  static constexpr std::array<uint16_t, 4> kServerWindows = {509, 235, 1024, 83};
  s.clientWindow = kClientWindows[r.below(4)];
  s.serverWindow = kServerWindows[r.below(4)];
  s.clientCloses = r.chance(Probability::of(0.7));
  s.reset = r.chance(c.reset);
  const uint64_t outcome = r.below(1000);
  s.refused = outcome < 25;
  s.unanswered = outcome >= 25 && outcome < 40;
  s.retries = s.unanswered ? 2 : 0;
  const uint32_t closing = s.reset ? 1 : 3;
  const uint32_t data = budget > 3 + closing + 3 ? budget - 3 - closing : 3;
  // Bigger sessions mostly move more data per exchange (bulk transfers) rather than talk longer.
  s.exchangesLeft = data <= 6 ? 1 : uint32_t(1 + r.below(std::min<uint32_t>(data / 6, 24)));
  s.packetsPerExchange = data / s.exchangesLeft;
  s.exchange = 0;
  beginTcpExchange(s, r);
  s.phase = kSyn;
}

void tcpFrame(const Session& s, SessionContext& c, bool fromClient, uint8_t flags, FrameSpec& f) {
  fillEndpoints(s, c, fromClient, f);
  f.kind = FrameKind::kTcp;
  f.tcpFlags = flags;
  f.seq = fromClient ? s.clientSeq : s.serverSeq;
  f.ack = (flags & tcp_flag::kAck) ? (fromClient ? s.serverSeq : s.clientSeq) : 0;
  if (flags & tcp_flag::kSyn) f.window = fromClient ? 64240 : 65160;  // SYN windows are never scaled
}

// One data segment of the current request (client) or response (server).
PacketTime tcpData(Session& s, SessionContext& c, bool fromClient, FrameSpec& f) {
  uint32_t& left = fromClient ? s.requestLeft : s.responseLeft;
  const uint32_t total = fromClient ? s.requestTotal : s.responseTotal;
  const uint32_t length = std::min<uint32_t>(left, s.mss);
  const bool first = left == total;
  const bool last = left == length;
  tcpFrame(s, c, fromClient, uint8_t(tcp_flag::kAck | (last ? tcp_flag::kPsh : 0)), f);
  f.payloadLength = length;
  if (first) {
    const PrefixRequest request{s.service, fromClient, s.exchange, length, total, s.name, s.id};
    f.prefix = c.prefix.first(writeApplicationPrefix(request, c.prefix));
  }
  (fromClient ? s.clientSeq : s.serverSeq) += length;
  left -= length;
  PacketTime delay;
  if (fromClient) {
    delay = left > 0 ? burstGap(c.random) : PacketTime(s.rtt) + serverProcessing(c.random);
    if (left == 0) s.phase = kResponse;
  } else {
    ++s.segmentsSinceAck;
    const bool ackNow = left == 0 || s.segmentsSinceAck >= 2;
    delay = ackNow ? reactionDelay(c.random) : burstGap(c.random);
    if (ackNow) s.phase = kClientAck;
  }
  if (c.random.chance(c.retransmit)) {
    s.retransmitPending = true;
    s.lastFromClient = fromClient;
    s.lastFlags = f.tcpFlags;
    s.lastSeq = f.seq;
    s.lastLength = length;
    s.delayAfterRetransmit = delay;
    return std::max<PacketTime>(200 * kNanosPerMilli, 2 * PacketTime(s.rtt));
  }
  return delay;
}

// The banner of a server that talks first (MySQL greeting, SMTP 220): one whole message, which the
// client answers with its first request once it has arrived.
PacketTime tcpGreeting(Session& s, SessionContext& c, FrameSpec& f) {
  tcpFrame(s, c, false, tcp_flag::kAck | tcp_flag::kPsh, f);
  f.prefix = c.prefix.first(writeServerGreeting(s.service, s.id, c.prefix));
  f.payloadLength = uint32_t(f.prefix.size());
  s.serverSeq += f.payloadLength;
  s.phase = kRequest;
  return PacketTime(s.rtt) + reactionDelay(c.random);
}

PacketTime tcpClose(Session& s, SessionContext& c, FrameSpec& f) {
  const bool initiator = s.phase != kClose2;
  const bool fromClient = initiator == s.clientCloses;
  const PacketTime afterClient = PacketTime(s.rtt);
  const PacketTime afterServer = reactionDelay(c.random);
  if (s.phase == kClose3) {
    tcpFrame(s, c, fromClient, tcp_flag::kAck, f);
    return kSessionDone;
  }
  if (s.phase == kClose1 && s.reset) {
    tcpFrame(s, c, fromClient, tcp_flag::kRst | tcp_flag::kAck, f);
    return kSessionDone;
  }
  tcpFrame(s, c, fromClient, tcp_flag::kFin | tcp_flag::kAck, f);
  (fromClient ? s.clientSeq : s.serverSeq) += 1;
  s.phase = s.phase == kClose1 ? kClose2 : kClose3;
  return fromClient ? afterClient : afterServer;
}

PacketTime stepTcp(Session& s, SessionContext& c, FrameSpec& f) {
  Random& r = c.random;
  if (s.retransmitPending) {
    s.retransmitPending = false;
    tcpFrame(s, c, s.lastFromClient, s.lastFlags, f);
    f.seq = s.lastSeq;
    f.payloadLength = s.lastLength;
    return s.delayAfterRetransmit;
  }
  switch (s.phase) {
    case kSyn:
      tcpFrame(s, c, true, tcp_flag::kSyn, f);
      f.mss = s.mss;
      if (s.unanswered) {
        if (s.retries == 0) return kSessionDone;
        --s.retries;
        return s.retries == 1 ? kNanosPerSecond : 2 * kNanosPerSecond;
      }
      s.clientSeq += 1;
      s.phase = s.refused ? kRefusedReset : kSynAck;
      return PacketTime(s.rtt);
    case kRefusedReset:
      tcpFrame(s, c, false, tcp_flag::kRst | tcp_flag::kAck, f);
      f.seq = 0;
      f.window = 0;
      return kSessionDone;
    case kSynAck:
      tcpFrame(s, c, false, tcp_flag::kSyn | tcp_flag::kAck, f);
      f.mss = s.ipv6 ? 1440 : 1460;
      s.serverSeq += 1;
      s.phase = kHandshakeAck;
      return reactionDelay(r);
    case kHandshakeAck:
      tcpFrame(s, c, true, tcp_flag::kAck, f);
      if (serverSpeaksFirst(s.service)) {
        s.phase = kGreeting;
        return reactionDelay(r);
      }
      s.phase = kRequest;
      return PacketTime(r.between(30'000, 2'000'000));
    case kGreeting:
      return tcpGreeting(s, c, f);
    case kRequest:
      return tcpData(s, c, true, f);
    case kResponse:
      return tcpData(s, c, false, f);
    case kClientAck:
      tcpFrame(s, c, true, tcp_flag::kAck, f);
      s.segmentsSinceAck = 0;
      if (s.responseLeft > 0) {
        s.phase = kResponse;
        return burstGap(r);
      }
      ++s.exchange;
      if (--s.exchangesLeft > 0) {
        beginTcpExchange(s, r);
        s.phase = kRequest;
        return thinkTime(r);
      }
      s.phase = kClose1;
      return s.clientCloses ? thinkTime(r) : reactionDelay(r);
    default:
      return tcpClose(s, c, f);
  }
}

// ---- UDP, ICMP, ARP -----------------------------------------------------------------------------

// Sizes and counts of the next UDP request/response exchange.
void beginUdpExchange(Session& s, Random& r) {
  s.requestLeft = 1;
  s.responseLeft = 1;
  switch (s.service) {
    case Service::kDns: {
      static constexpr std::array<uint32_t, 3> kQtypes = {60, 30, 10};
      s.variant = uint8_t(r.weighted(kQtypes));
      s.id = uint16_t(r.next32());
      s.name = uint32_t(r.below(1 << 16));
      s.responseLeft = r.chance(Probability::of(0.02)) ? 0 : 1;  // lost answer
      break;
    }
    case Service::kQuic:  // one client Initial opens the connection
      s.requestLeft = 1;
      s.responseLeft = std::max<uint32_t>(1, s.packetsPerExchange > 1 ? s.packetsPerExchange - 1 : 1);
      break;
    case Service::kSyslog:
      s.requestLeft = s.packetsPerExchange;
      s.responseLeft = 0;
      break;
    case Service::kOpenVpn:  // the first exchange is the pair of hard resets
      s.requestLeft = s.exchange == 0 ? 1 : uint32_t(r.between(1, 3));
      s.responseLeft = s.exchange == 0 ? 1 : uint32_t(r.between(1, 3));
      break;
    default:
      break;
  }
}

uint32_t udpPayloadLength(const Session& s, Random& r, bool fromClient) {
  const PrefixRequest message{s.service, fromClient, s.exchange, 0, 0, s.name, s.id};
  if (const uint32_t fixed = fixedMessageLength(message)) return fixed;
  switch (s.service) {
    case Service::kNtp:
      return 48;
    case Service::kSnmp:
      return uint32_t(fromClient ? r.between(40, 90) : r.between(60, 400));
    case Service::kQuic:
      if (s.exchange == 0) return uint32_t(r.between(1200, 1357));
      return uint32_t(fromClient
                          ? r.between(30, 300)
                          : (r.chance(Probability::of(0.7)) ? r.between(1200, 1350) : r.between(30, 1200)));
    case Service::kSyslog:
      return uint32_t(r.between(80, 400));
    default:
      return uint32_t(r.between(60, 1400));
  }
}

uint32_t startUdp(Session& s, uint32_t budget, SessionContext& c) {
  Random& r = c.random;
  s.server = c.model.pickServer(r, true);
  const ServerHost& server = c.model.servers()[s.server];
  s.service = server.service;
  s.serverPort = serviceInfo(s.service).port;
  s.rtt = pickRtt(r, server.local);
  s.id = uint16_t(r.next32());
  s.exchange = 0;
  s.packetsPerExchange = 1;
  uint32_t planned;
  switch (s.service) {
    case Service::kDns: {
      static constexpr std::array<uint32_t, 3> kExchanges = {70, 20, 10};
      s.exchangesLeft = uint32_t(r.weighted(kExchanges) + 1);
      planned = 2 * s.exchangesLeft;
      break;
    }
    case Service::kNtp:
      s.exchangesLeft = 1;
      planned = 2;
      break;
    case Service::kSnmp:
      s.exchangesLeft = uint32_t(r.between(1, 5));
      planned = 2 * s.exchangesLeft;
      break;
    case Service::kSyslog:
      s.exchangesLeft = 1;
      s.packetsPerExchange = std::clamp<uint32_t>(budget, 1, 200);
      planned = s.packetsPerExchange;
      break;
    default:  // QUIC, OpenVPN: sized by the budget
      s.exchangesLeft = budget <= 6 ? 1 : uint32_t(1 + r.below(std::min<uint32_t>(budget / 6, 24)));
      s.packetsPerExchange = std::max<uint32_t>(budget / s.exchangesLeft, 2);
      planned = budget;
      break;
  }
  beginUdpExchange(s, r);
  return planned;
}

PacketTime nextUdpExchange(Session& s, Random& r) {
  ++s.exchange;
  if (--s.exchangesLeft == 0) return kSessionDone;
  beginUdpExchange(s, r);
  return s.service == Service::kDns ? PacketTime(r.between(100'000, 5'000'000)) : thinkTime(r);
}

PacketTime stepUdp(Session& s, SessionContext& c, FrameSpec& f) {
  Random& r = c.random;
  const bool fromClient = s.requestLeft > 0;
  fillEndpoints(s, c, fromClient, f);
  f.kind = FrameKind::kUdp;
  if (s.service == Service::kDns) {
    const uint32_t answers = fromClient ? 0 : uint32_t(r.between(1, 4));
    const size_t n = writeDnsMessage(!fromClient, s.id, s.name, s.variant, answers, c.prefix);
    f.prefix = c.prefix.first(n);
    f.payloadLength = uint32_t(n);
  } else {
    f.payloadLength = udpPayloadLength(s, r, fromClient);
    const PrefixRequest request{s.service,       fromClient, s.exchange, f.payloadLength,
                                f.payloadLength, s.name,     s.id};
    f.prefix = c.prefix.first(writeApplicationPrefix(request, c.prefix));
  }
  if (fromClient) {
    if (--s.requestLeft > 0) {
      return s.service == Service::kSyslog ? PacketTime(r.between(100'000, 50'000'000)) : burstGap(r);
    }
    if (s.responseLeft > 0) return PacketTime(s.rtt) + serverProcessing(r) / 8;
    return nextUdpExchange(s, r);
  }
  if (--s.responseLeft > 0) return burstGap(r);
  return nextUdpExchange(s, r);
}

PacketTime stepIcmp(Session& s, SessionContext& c, FrameSpec& f) {
  const bool request = s.phase == 0;
  fillEndpoints(s, c, request, f);
  f.kind = FrameKind::kIcmpEcho;
  f.reply = !request;
  f.srcPort = s.id;
  f.dstPort = uint16_t(s.exchange + 1);
  f.payloadLength = s.variant ? 32 : 56;  // Windows or Linux ping
  if (request) {
    s.phase = 1;
    return PacketTime(s.rtt);
  }
  s.phase = 0;
  ++s.exchange;
  if (--s.exchangesLeft == 0) return kSessionDone;
  return kNanosPerSecond - PacketTime(s.rtt) + PacketTime(c.random.below(2'000'000));
}

PacketTime stepArp(Session& s, SessionContext& c, FrameSpec& f) {
  const ClientHost& client = c.model.clients()[s.client];
  const MacAddress& gateway = c.model.gatewayMacs()[client.gateway];
  f = FrameSpec{};
  f.kind = FrameKind::kArp;
  f.vlan = client.vlan;
  if (s.phase == 0) {
    f.srcMac = client.mac;
    f.dstMac = kBroadcastMac;
    f.srcIp = client.ipv4;
    f.dstIp = client.gatewayIpv4;
    s.phase = 1;
    return PacketTime(c.random.between(50'000, 1'000'000));
  }
  f.reply = true;
  f.srcMac = gateway;
  f.dstMac = client.mac;
  f.srcIp = client.gatewayIpv4;
  f.dstIp = client.ipv4;
  return kSessionDone;
}

}  // namespace

bool followsBudget(const Session& session) {
  if (session.kind == SessionKind::kTcp) return true;
  return session.kind == SessionKind::kUdp &&
         (session.service == Service::kQuic || session.service == Service::kOpenVpn ||
          session.service == Service::kSyslog);
}

uint32_t startSession(Session& s, SessionKind kind, uint32_t budget, bool ipv6, SessionContext& c) {
  s = Session{};
  s.kind = kind;
  s.ipv6 = ipv6 && kind != SessionKind::kArp;
  s.client = c.model.pickClient(c.random);
  s.name = uint32_t(c.random.below(1 << 16));
  switch (kind) {
    case SessionKind::kTcp:
      startTcp(s, budget, c);
      s.clientPort = takeEphemeralPort(c.model.clients()[s.client]);
      return budget;
    case SessionKind::kUdp: {
      const uint32_t planned = startUdp(s, budget, c);
      s.clientPort = takeEphemeralPort(c.model.clients()[s.client]);
      return planned;
    }
    case SessionKind::kIcmp: {
      s.server = c.model.pickAnyServer(c.random);
      s.rtt = pickRtt(c.random, c.model.servers()[s.server].local);
      s.id = uint16_t(c.random.next32());
      s.variant = c.random.chance(Probability::of(0.4)) ? 1 : 0;
      static constexpr std::array<uint32_t, 4> kCounts = {20, 10, 60, 10};  // 1, 3, 4, 5 echoes
      static constexpr std::array<uint32_t, 4> kValues = {1, 3, 4, 5};
      s.exchangesLeft = kValues[c.random.weighted(kCounts)];
      return 2 * s.exchangesLeft;
    }
    case SessionKind::kArp:
      return 2;
  }
  return 0;
}

PacketTime stepSession(Session& s, SessionContext& c, FrameSpec& f) {
  switch (s.kind) {
    case SessionKind::kTcp:
      return stepTcp(s, c, f);
    case SessionKind::kUdp:
      return stepUdp(s, c, f);
    case SessionKind::kIcmp:
      return stepIcmp(s, c, f);
    case SessionKind::kArp:
      return stepArp(s, c, f);
  }
  return kSessionDone;
}

}  // namespace netmeter
