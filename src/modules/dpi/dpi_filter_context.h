#pragma once

#include "filter/names.h"
#include "filter/packet_context.h"
#include "flow/connection.h"

namespace netmeter {

// The names `l7Protocol` / `dpiProtocol` filter clauses accept, with nDPI's ids (what the DPI module
// stores); pass it as filter::CompileOptions::l7Protocols.
const filter::L7ProtocolTable& dpiProtocolTable();

// A connection's L7 facts for filters: undecided while classification is pending, then its protocol
// and master protocol (kL7Unknown when unclassified).
inline void fillL7Context(const Connection& c, filter::L7State& state, uint16_t& protocol, uint16_t& master) {
  const L7Classification& l7 = c.app.l7;
  state = l7.status == L7Status::kPending ? filter::L7State::kNotClassified : filter::L7State::kClassified;
  protocol = l7.status == L7Status::kClassified ? l7.protocol() : filter::kL7Unknown;
  master = l7.status == L7Status::kClassified ? l7.master : filter::kL7Unknown;
}
inline void fillL7Context(const Connection& c, filter::ConnectionContext& ctx) {
  fillL7Context(c, ctx.l7, ctx.l7Protocol, ctx.l7MasterProtocol);
}
inline void fillL7Context(const Connection& c, filter::PacketContext& ctx) {
  fillL7Context(c, ctx.l7, ctx.l7Protocol, ctx.l7MasterProtocol);
}

}  // namespace netmeter
