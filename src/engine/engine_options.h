#pragma once

#include <cstdint>

#include "flow/flow_table.h"
#include "modules/l7_analyzers.h"
#include "store/time_series.h"

namespace netmeter {

// Who reads the input (PacketReader): a thread of its own, the workers in turn, or (kAuto) the
// workers when there are at least as many of them as usable cores and the input is not paced
// (`netmeter analyze --reader`, `netmeter serve --reader`).
enum class ReaderMode : uint8_t { kDedicated, kShared, kAuto };

struct EngineOptions {
  unsigned threads = 1;  // worker threads
  ReaderMode reader = ReaderMode::kDedicated;
  int64_t memoryBytes = int64_t{2} << 30;  // --memory: bound for the whole process
  FlowTimeouts timeouts;
  RetentionPolicy retention;
  int64_t compactEverySeconds = 60;            // packet-time interval between history roll-ups
  uint32_t httpTransactionsPerConnection = 1;  // HTTP request/response pairs kept per connection
  L7Analyzers l7;  // --l7: nDPI and which application analyzers run (all by default)
  // --tcp: TCP health analysis (modules/tcp: handshake and response times, retransmissions, windows,
  // per-IP TCP statistics and server ports). On by default; off leaves those statistics empty and
  // connections without TCP state (the benchmark measures the engine and TCP's cost apart with it).
  bool tcpAnalysis = true;
  // Reads at most this many packets per second of wall-clock time (0: as fast as possible): replays a
  // file like live traffic (`netmeter serve --pace`), e.g. to watch live captures and statistics grow.
  uint64_t pacePacketsPerSecond = 0;
  // --ip-reassembly: memory for IP fragments waiting for the rest of their datagram (the reader's
  // IpReassembler; taken from --memory); 0 turns reassembly off (each fragment is then analyzed
  // alone, the first one with the ports, later ones as port-0 connections). Incomplete datagrams are
  // given up after ipReassemblyTimeout of packet time.
  int64_t ipReassemblyBytes = int64_t{8} << 20;
  PacketTime ipReassemblyTimeout = 30 * kNanosPerSecond;
};

}  // namespace netmeter
