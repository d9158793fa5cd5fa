#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "core/ip_address.h"
#include "core/packet_time.h"
#include "decode/decoded_packet.h"
#include "flow/connection_application.h"
#include "flow/ip_hints.h"
#include "flow/pending_traffic.h"
#include "flow/tcp_connection_state.h"
#include "store/time_series.h"

namespace netmeter {

struct IpRecord;
struct IpPairRecord;
struct L4PortRecord;

// Records of other modules that belong to a connection, remembered so that the hot path does not look
// them up again for every packet. Safe because a record's last activity is never older than that of
// any connection it belongs to, so the memory budget never removes it before the connection.
struct ConnectionRecords {
  IpRecord* clientIp = nullptr;
  IpRecord* serverIp = nullptr;
  IpPairRecord* ipPair = nullptr;
  L4PortRecord* serverPort = nullptr;
  // The client's and the server's IpHints (indexed by Direction: kClientToServer is the client), in
  // their IP records; set with clientIp and serverIp.
  std::array<IpHints*, 2> hints{};

  // One hint of the client (kClientToServer) or the server, for EntityTable::findOrCreateHinted; null
  // for a connection analyzed without the IP module (module unit tests, fuzz targets), whose lookups
  // then go by hash. (A hint must not outlive its table: these live in the same shard as the tables.)
  const void** hint(uint8_t side, const void* IpHints::*member) {
    return hints[side] != nullptr ? &(hints[side]->*member) : nullptr;
  }
};

enum class TerminationReason : uint8_t { kActive = 0, kFin, kRst, kTimeout };
std::string_view terminationReasonName(TerminationReason reason);

// How the client side was decided.
enum class ClientDecision : uint8_t { kSyn, kSynAck, kPortHeuristic, kFirstPacket };

// Direction of a packet within a connection.
enum Direction : uint8_t { kClientToServer = 0, kServerToClient = 1 };

// Layer-2 QoS and encapsulation attributes of one direction, as last seen, with a "changed" mark when
// a later packet differed.
struct DirectionAttributes {
  uint32_t mtu = 0;  // max layer-2 payload
  uint8_t dscp = 0xff;
  uint8_t vlanPcp = kVlanNone;
  uint8_t mplsTc = kVlanNone;
  bool qosChanged = false;
  uint8_t mplsCount = 0;
  std::array<uint32_t, kMaxMplsLabels> mplsLabels{};
  bool mplsChanged = false;
  // TCP flag counters, saturating at 255 like the reference ("up to 255 packets can be accounted").
  uint8_t syn = 0;
  uint8_t synAck = 0;
  uint8_t fin = 0;
  uint8_t rst = 0;
};

// One connection: its endpoints, lifetime, per-direction attributes and traffic history.
// traffic = [rx packets, rx bytes, tx packets, tx bytes] from the client's view (tx = client to server).
struct Connection {
  IpAddress clientIp;
  IpAddress serverIp;
  uint16_t clientPort = 0;
  uint16_t serverPort = 0;
  uint8_t l4Protocol = 0;
  ClientDecision clientDecision = ClientDecision::kFirstPacket;
  TerminationReason termination = TerminationReason::kActive;
  bool finSeen[2] = {false, false};
  uint16_t outerVlan = kNoVlan;
  uint16_t innerVlan = kNoVlan;
  bool hasPppoe = false;
  bool pppoeChanged = false;
  uint16_t pppoeSessionId = 0;
  uint64_t interfaceMask = 0;  // bit i: seen on interface i (ids >= 64 share bit 63)
  uint64_t id = 0;             // unique per worker, in creation order
  PacketTime start = 0;
  PacketTime lastActivity = 0;
  std::array<DirectionAttributes, 2> dir;  // indexed by Direction
  TimeSeries<4> traffic;
  ConnectionRecords records;
  PendingTraffic pending;     // traffic not yet added to the records (ModuleSet::flushTraffic)
  ConnectionApplication app;  // L7 classification and application analysis (modules/dpi, modules/app)
  // TCP health state, created by the TCP module on the connection's first TCP packet (null otherwise),
  // freed with the connection (FlowTable::evictBefore).
  std::unique_ptr<TcpConnectionState> tcp;

  bool ended() const { return termination != TerminationReason::kActive; }
  PacketTime duration() const { return lastActivity - start; }
};

}  // namespace netmeter
