#include "modules/dpi/ndpi_classifier.h"
#include "modules/dpi/dpi_filter_context.h"

#include <ndpi_api.h>

#include <cstring>
#include <mutex>

namespace netmeter {

namespace {

// nDPI requires that detection modules are not created concurrently.
std::mutex& initMutex() {
  static std::mutex m;
  return m;
}

ndpi_detection_module_struct* createModule() {
  std::lock_guard lock(initMutex());
  ndpi_detection_module_struct* m = ndpi_init_detection_module(ndpi_no_prefs);
  if (m == nullptr) return nullptr;
  NDPI_PROTOCOL_BITMASK all;
  NDPI_BITMASK_SET_ALL(all);
  ndpi_set_protocol_detection_bitmask2(m, &all);
  ndpi_finalize_initialization(m);
  return m;
}

uint16_t packetLimit(uint8_t l4Protocol) {
  if (l4Protocol == ipproto::kTcp) return NdpiClassifier::kMaxTcpPackets;
  if (l4Protocol == ipproto::kUdp) return NdpiClassifier::kMaxUdpPackets;
  return NdpiClassifier::kMaxOtherPackets;
}

}  // namespace

NdpiFlowState::NdpiFlowState() {
  flow = static_cast<ndpi_flow_struct*>(ndpi_flow_malloc(SIZEOF_FLOW_STRUCT));
  if (flow != nullptr) std::memset(flow, 0, SIZEOF_FLOW_STRUCT);
}

NdpiFlowState::~NdpiFlowState() {
  if (flow != nullptr) ndpi_free_flow(flow);
}

int64_t NdpiClassifier::bytesPerFlow() { return int64_t(SIZEOF_FLOW_STRUCT) + sizeof(NdpiFlowState) + 256; }

NdpiClassifier::NdpiClassifier() = default;

NdpiClassifier::~NdpiClassifier() {
  if (module_ != nullptr) ndpi_exit_detection_module(module_);
}

ndpi_detection_module_struct* NdpiClassifier::module() {
  if (module_ == nullptr) module_ = createModule();
  return module_;
}

NdpiFlowState& NdpiClassifier::start(Connection& c, MemoryAccount& account) {
  auto state = std::make_unique<NdpiFlowState>();
  NdpiFlowState& s = *state;
  s.accountedBytes = bytesPerFlow();
  account.add(s.accountedBytes);
  c.app.classifier = std::move(state);
  return s;
}

void NdpiClassifier::decide(Connection& c, uint16_t master, uint16_t app) {
  if (master == app) master = 0;
  if (app == 0) std::swap(master, app);
  c.app.l7.master = master;
  c.app.l7.app = app;
  c.app.l7.status = app != 0 ? L7Status::kClassified : L7Status::kUnclassified;
}

bool NdpiClassifier::classify(Connection& c, NdpiFlowState& state, const DecodedPacket& p, IpBytes bytes) {
  ndpi_detection_module_struct* m = module();
  if (m == nullptr || state.flow == nullptr) {
    decide(c, 0, 0);
    return true;
  }
  // nDPI reads neither non-first fragments nor packets whose IP length exceeds what it is given; with
  // IP reassembly it reads the whole datagram, on the fragment that completed it (fragmentRole).
  const bool usable = bytes.length >= 20 && p.fragmentRole != FragmentRole::kPiece &&
                      (!p.isFragment || p.isFirstFragment || p.fragmentRole == FragmentRole::kReassembled);
  // TCP segments without payload (the handshake, acknowledgements, FIN/RST: more than half of what a
  // connection sends) give nDPI's dissectors nothing to read: they count towards the limit, unseen.
  // nDPI starts its sequence tracking from the first segment it is given, so it does not need them
  // (tests/correctness/ndpi_compare_test.py: the same agreement with and without them).
  const bool tcp = p.l4Protocol == ipproto::kTcp && p.hasPorts;
  const bool empty = tcp && p.payloadLength == 0;
  if (usable && empty) {
    ++state.packets;
  } else if (usable) {
    const uint8_t* data = bytes.data;
    uint32_t length = bytes.length;
    const uint32_t ipLength = p.ipTotalLength;
    if (ipLength != 0 && ipLength < length) length = ipLength;  // drop link-layer padding
    if (ipLength > length) {
      // Captured with a snap length: tell nDPI the packet ends where the capture does.
      scratch_.assign(data, data + length);
      if (p.ipVersion == 4) {
        scratch_[2] = uint8_t(length >> 8), scratch_[3] = uint8_t(length);
      } else if (length >= 40) {
        const uint32_t payload = length - 40;
        scratch_[4] = uint8_t(payload >> 8), scratch_[5] = uint8_t(payload);
      }
      data = scratch_.data();
    }
    const uint64_t ms = uint64_t(p.timestamp / kNanosPerMilli);
    const ndpi_protocol r = ndpi_detection_process_packet(m, state.flow, data, uint16_t(length), ms);
    ++state.packets;
    if (r.app_protocol != NDPI_PROTOCOL_UNKNOWN) {
      decide(c, r.master_protocol, r.app_protocol);
      return true;
    }
  }
  if (state.packets >= packetLimit(c.l4Protocol)) {
    giveUp(c, state);
    return true;
  }
  return false;
}

void NdpiClassifier::giveUp(Connection& c, NdpiFlowState& state) {
  ndpi_detection_module_struct* m = module();
  if (m == nullptr || state.flow == nullptr) {
    decide(c, 0, 0);
    return;
  }
  uint8_t guessed = 0;
  const ndpi_protocol r = ndpi_detection_giveup(m, state.flow, /*enable_guess=*/0, &guessed);
  if (guessed) {  // cannot happen without guessing enabled; never take a guess
    decide(c, 0, 0);
    return;
  }
  decide(c, r.master_protocol, r.app_protocol);
}

const std::vector<std::string>& ndpiProtocolNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    ndpi_detection_module_struct* m = createModule();
    if (m == nullptr) return std::vector<std::string>{"Unknown"};
    const unsigned n = ndpi_get_num_supported_protocols(m);
    for (unsigned id = 0; id < n; ++id) {
      const char* name = ndpi_get_proto_name(m, uint16_t(id));
      out.emplace_back(name != nullptr ? name : "");
    }
    ndpi_exit_detection_module(m);
    return out;
  }();
  return names;
}

std::string_view ndpiProtocolName(uint16_t id) {
  const auto& names = ndpiProtocolNames();
  return id < names.size() ? std::string_view(names[id]) : std::string_view("Unknown");
}

std::string_view l7ProtocolName(uint16_t id) { return id == 0 ? "unclassified" : ndpiProtocolName(id); }

std::string l7DisplayName(const L7Classification& l7) {
  switch (l7.status) {
    case L7Status::kPending: return "pending";
    case L7Status::kUnclassified: return "unclassified";
    case L7Status::kClassified: break;
  }
  std::string out;
  if (l7.master != 0) {
    out = ndpiProtocolName(l7.master);
    out += '.';
  }
  out += ndpiProtocolName(l7.app);
  return out;
}

const filter::L7ProtocolTable& dpiProtocolTable() {
  static const filter::L7ProtocolTable table(ndpiProtocolNames());
  return table;
}

}  // namespace netmeter
