#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/packet_time.h"
#include "decode/decoded_packet.h"
#include "decode/ip_bytes.h"
#include "flow/connection.h"
#include "store/memory_account.h"

struct ndpi_detection_module_struct;
struct ndpi_flow_struct;

namespace netmeter {

// The nDPI flow of a connection that is being classified, plus the traffic seen meanwhile (counted
// to the protocol once it is known). Exists only while classification is in progress.
struct NdpiFlowState : ConnectionAnalysisState {
  NdpiFlowState();
  ~NdpiFlowState() override;
  NdpiFlowState(const NdpiFlowState&) = delete;
  NdpiFlowState& operator=(const NdpiFlowState&) = delete;

  ndpi_flow_struct* flow = nullptr;
  uint16_t packets = 0;                // packets counted towards the give-up limit
  std::array<uint64_t, 4> pending{};   // [client->server packets, bytes, server->client packets, bytes]
};

// One worker's nDPI detection module (never shared between threads; nDPI's module holds caches that
// its flows update). Created on first use, so that merged query views do not pay for it.
class NdpiClassifier {
 public:
  // nDPI gives up after this many packets of a connection, as ndpiReader does.
  static constexpr uint16_t kMaxTcpPackets = 24;
  static constexpr uint16_t kMaxUdpPackets = 12;
  static constexpr uint16_t kMaxOtherPackets = 8;
  // Memory of one connection being classified: nDPI's flow struct, our state, and an allowance for
  // what nDPI allocates inside the flow (host names, TLS certificate names).
  static int64_t bytesPerFlow();

  NdpiClassifier();
  ~NdpiClassifier();
  NdpiClassifier(const NdpiClassifier&) = delete;
  NdpiClassifier& operator=(const NdpiClassifier&) = delete;

  // Starts classifying: allocates the connection's nDPI flow (accounted).
  NdpiFlowState& start(Connection& c, MemoryAccount& account);
  // Gives one packet of `c` to nDPI; returns true when the classification is decided (then
  // c.app.l7 holds it). Gives up by itself after the packet limits above.
  bool classify(Connection& c, NdpiFlowState& state, const DecodedPacket& p, IpBytes bytes);
  // Ends classification without more packets (connection ended, end of trace): nDPI's partial
  // result without port guessing; unclassified if there is none.
  void giveUp(Connection& c, NdpiFlowState& state);

 private:
  ndpi_detection_module_struct* module();
  void decide(Connection& c, uint16_t master, uint16_t app);

  ndpi_detection_module_struct* module_ = nullptr;
  std::vector<uint8_t> scratch_;  // truncated packets with their IP length fixed up for nDPI
};

// nDPI's protocol names by id (id 0 is "Unknown"), the same in every worker.
const std::vector<std::string>& ndpiProtocolNames();
std::string_view ndpiProtocolName(uint16_t id);
// How a connection's classification is shown: "TLS.YouTube", "DNS", "unclassified", "pending".
std::string l7DisplayName(const L7Classification& l7);
// The name of a protocol id as the L7 tables show it ("unclassified" for 0).
std::string_view l7ProtocolName(uint16_t id);

}  // namespace netmeter
