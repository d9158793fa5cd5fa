#include "modules/module_routes.h"
#include "modules/packet_size/packet_size_module.h"
#include "query/counters.h"

namespace netmeter {

// /API/stats/modules/packet_size/sizes: the distribution of layer-2 frame sizes (with FCS) in the
// reference's bins, each with [packets, bytes] counters.
void registerPacketSizeRoutes(api::Server& server, const query::QuerySource& source) {
  server.route(api::Method::Get, "/API/stats/modules/packet_size/sizes", api::Role::ReadOnly,
               [&source](const api::Request& req) {
                 const query::QueryContext ctx = source.open();
                 auto window = ctx.window(req, 0);
                 if (!window) return window.errorResponse();
                 PacketSizeModule merged;
                 MemoryAccount scratch;
                 ctx.engine().forEachShard(
                     [&](const Shard& s) { merged.mergeFrom(s.modules().packetSize, scratch); });
                 query::JsonOut j;
                 j.beginObject();
                 j.key("displayedItems");
                 j.beginArray();
                 for (size_t i = 0; i < kPacketSizeBins.size(); ++i) {
                   j.beginObject();
                   j.field("min", kPacketSizeBins[i].min);
                   j.key("max");
                   if (kPacketSizeBins[i].max == UINT32_MAX) j.null();
                   else j.value(kPacketSizeBins[i].max);
                   query::writeTraffic(j, merged.bins[i], *window);
                   j.endObject();
                 }
                 j.endArray();
                 j.field("totalItems", uint64_t(kPacketSizeBins.size()));
                 j.endObject();
                 return api::Response::json(j.take());
               });
}

}  // namespace netmeter
