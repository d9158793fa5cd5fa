#include "core/protocol_names.h"
#include "modules/module_routes.h"
#include "modules/qos/qos_module.h"
#include "query/table_list.h"

namespace netmeter {

namespace {
constexpr const char* kKinds[] = {"ipDscp", "vlanPcp", "mplsTc"};
}

// /API/stats/modules/qos/classes?kind=ipDscp|vlanPcp|mplsTc: traffic per QoS class ([packets, bytes]).
void registerQosRoutes(api::Server& server, const query::QuerySource& source) {
  server.route(api::Method::Get, "/API/stats/modules/qos/classes", api::Role::ReadOnly, [&source](const api::Request& req) {
    const query::QueryContext ctx = source.open();
    auto window = ctx.window(req, 0);
    if (!window) return window.errorResponse();
    auto kind = api::choiceParam(req, "kind", {"all", "ipDscp", "vlanPcp", "mplsTc"}, std::string("all"));
    if (!kind) return kind.errorResponse();
    const auto table = query::mergedTable<QosKey, TrafficRecord<2>>(
        ctx.engine(), [](const Shard& s) -> const auto& { return s.modules().qos.table; });
    const std::string wanted = *kind;
    return query::tableList(
        req, *window, table, "class", "class", "qos_classes.csv",
        [wanted](const QosKey& k, const auto&) {
          return wanted == "all" || wanted == kKinds[static_cast<size_t>(k.kind)];
        },
        [&](query::JsonOut& j, const QosKey& k, const TrafficRecord<2>& r) {
          j.beginObject();
          j.field("kind", kKinds[static_cast<size_t>(k.kind)]);
          j.field("value", uint32_t{k.value});
          if (k.kind == QosKind::kIpDscp) j.field("name", dscpName(k.value));
          query::writeTraffic(j, r, *window);
          j.endObject();
        });
  });
}

}  // namespace netmeter
