#pragma once

#include <cstdint>
#include <span>

#include "core/packet_time.h"
#include "generate/frame_builder.h"
#include "generate/network_model.h"
#include "generate/random.h"
#include "generate/services.h"

namespace netmeter {

enum class SessionKind : uint8_t { kTcp, kUdp, kIcmp, kArp };

// One conversation in progress: a small state machine that yields its packets one at a time.
// Sessions are plain data so thousands can live in one vector; `step` drives them.
struct Session {
  SessionKind kind = SessionKind::kTcp;
  Service service = Service::kHttps;
  uint8_t phase = 0;
  bool ipv6 = false;
  bool clientCloses = true;
  bool reset = false;
  bool retransmitPending = false;
  bool lastFromClient = false;
  bool emitted = false;     // has written at least one packet
  bool refused = false;     // TCP: SYN answered by RST
  bool unanswered = false;  // TCP: SYN retried, never answered
  uint8_t variant = 0;      // DNS query type, upload exchange, ...
  uint8_t lastFlags = 0;
  uint8_t retries = 0;
  uint32_t client = 0;
  uint32_t server = 0;
  uint16_t clientPort = 0;
  uint16_t serverPort = 0;
  uint16_t mss = 1460;
  uint16_t clientWindow = 0;
  uint16_t serverWindow = 0;
  uint16_t id = 0;  // DNS id, ICMP identifier, QUIC connection id seed
  uint32_t name = 0;
  uint32_t clientSeq = 0;  // next sequence number each side sends
  uint32_t serverSeq = 0;
  uint32_t rtt = 0;  // nanoseconds
  uint32_t exchange = 0;
  uint32_t exchangesLeft = 0;
  uint32_t packetsPerExchange = 0;
  uint32_t requestTotal = 0;
  uint32_t requestLeft = 0;  // TCP: bytes; UDP: packets
  uint32_t responseTotal = 0;
  uint32_t responseLeft = 0;
  uint32_t segmentsSinceAck = 0;
  uint32_t lastSeq = 0;
  uint32_t lastLength = 0;
  PacketTime delayAfterRetransmit = 0;
};

// What a session needs from the generator while it steps.
struct SessionContext {
  NetworkModel& model;
  Random& random;
  std::span<uint8_t> prefix;  // scratch for application bytes, at least kMaxPrefix
  Probability retransmit;
  Probability reset;
};

inline constexpr PacketTime kSessionDone = -1;

// Sets up a new session of `kind` that should write about `budget` packets in all.
// Returns the number of packets it plans (fixed-size kinds ignore the budget).
uint32_t startSession(Session& session, SessionKind kind, uint32_t budget, bool ipv6,
                      SessionContext& context);

// True for sessions whose size follows the budget; the others have small fixed sizes.
bool followsBudget(const Session& session);

// Fills `frame` with the session's next packet and returns the delay until the one after it,
// or kSessionDone when this was its last packet.
PacketTime stepSession(Session& session, SessionContext& context, FrameSpec& frame);

}  // namespace netmeter
