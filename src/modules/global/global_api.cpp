#include "core/protocol_names.h"
#include "modules/global/global_module.h"
#include "modules/module_routes.h"
#include "query/counters.h"

namespace netmeter {

// /API/stats/modules/global: trace-wide traffic ([packets, bytes]) with history, the layer-3 and
// layer-4 protocol mix, IPv4 fragments and malformed packets per reason (a netmeter addition: the
// reference spreads these over its dashboard).
void registerGlobalRoutes(api::Server& server, const query::QuerySource& source) {
  server.route(api::Method::Get, "/API/stats/modules/global", api::Role::ReadOnly, [&source](const api::Request& req) {
    const query::QueryContext ctx = source.open();
    auto window = ctx.window(req, 100);
    if (!window) return window.errorResponse();
    GlobalModule g;
    MemoryAccount scratch;
    ctx.engine().forEachShard([&](const Shard& s) { g.mergeFrom(s.modules().global, scratch); });
    const query::TimeWindow& w = *window;
    // Only the total carries history; the protocol rows carry counters.
    query::TimeWindow noHistory = w;
    noHistory.values = 0;
    query::JsonOut j;
    j.beginObject();
    j.field("starttime", w.fromSecond);
    j.field("endtime", w.toSecond);
    j.key("total");
    j.beginObject();
    query::writeTraffic(j, g.total(), w);
    j.endObject();
    j.key("layer3");
    j.beginObject();
    const char* names[] = {"ipv4", "ipv6", "nonIp"};
    for (size_t i = 0; i < 3; ++i) {
      j.key(names[i]);
      j.beginObject();
      query::writeTraffic(j, g.l3(static_cast<L3Class>(i)), noHistory);
      j.endObject();
    }
    j.endObject();
    std::vector<std::pair<uint8_t, const TrafficRecord<2>*>> l4;
    g.l4().forEach([&](uint8_t p, const TrafficRecord<2>& r) { l4.emplace_back(p, &r); });
    std::sort(l4.begin(), l4.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    j.key("layer4");
    j.beginArray();
    for (const auto& [proto, r] : l4) {
      j.beginObject();
      j.field("l4Protocol", uint32_t{proto});
      j.field("name", ipProtocolName(proto));
      query::writeTraffic(j, *r, noHistory);
      j.endObject();
    }
    j.endArray();
    j.key("ipv4Fragments");
    j.beginObject();
    query::writeTraffic(j, g.ipv4Fragments(), noHistory);
    j.endObject();
    j.key("malformed");
    j.beginObject();
    for (size_t i = 1; i < static_cast<size_t>(MalformedReason::kCount); ++i) {
      const auto reason = static_cast<MalformedReason>(i);
      if (g.malformed(reason)) j.field(malformedReasonName(reason), g.malformed(reason));
    }
    j.endObject();
    j.endObject();
    return api::Response::json(j.take());
  });
}

}  // namespace netmeter
