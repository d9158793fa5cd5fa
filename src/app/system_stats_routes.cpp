#include "app/system_stats_routes.h"

#include <sys/resource.h>

#include <chrono>
#include <climits>

#include "query/json_out.h"

namespace netmeter {

namespace {

int64_t millis(PacketTime t) { return t / 1'000'000; }

}  // namespace

void registerSystemStatsRoutes(api::Server& server, const query::QuerySource& source) {
  // Packet time is the clock of every statistic: "currentTime" is the latest packet time (ms since the
  // epoch), as the reference's device time is for live traffic.
  server.route(api::Method::Get, "/API/stats/time", api::Role::ReadOnly, [&source](const api::Request&) {
    const query::QueryContext ctx = source.open();
    const PacketTime now = ctx.analysis.now();
    const query::TraceClock clock = query::traceClock(ctx.analysis);
    query::JsonOut j;
    j.beginObject();
    j.key("currentTime");
    if (now == INT64_MIN) j.null();
    else j.value(millis(now));
    j.key("firstSecond");
    if (clock.empty()) j.null();
    else j.value(clock.firstSecond);
    j.key("lastSecond");
    if (clock.empty()) j.null();
    else j.value(clock.lastSecond);
    j.field("wallClock", int64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count()));
    j.endObject();
    return api::Response::json(j.take());
  });

  server.route(api::Method::Get, "/API/stats/load", api::Role::ReadOnly, [&source](const api::Request&) {
    const query::QueryContext ctx = source.open();
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const AnalysisStatus st = ctx.analysis.status();
    const double user = double(usage.ru_utime.tv_sec) + double(usage.ru_utime.tv_usec) / 1e6;
    const double system = double(usage.ru_stime.tv_sec) + double(usage.ru_stime.tv_usec) / 1e6;
    query::JsonOut j;
    j.beginObject();
    j.field("workerThreads", uint64_t(ctx.engine().workerCount()));
    j.field("cpuUserSeconds", user);
    j.field("cpuSystemSeconds", system);
    j.field("maxResidentBytes", int64_t(usage.ru_maxrss) * 1024);
    j.field("packetsPerSecond", st.wallSeconds > 0 ? double(st.packets) / st.wallSeconds : 0.0);
    j.key("workers");
    j.beginArray();
    ctx.engine().forEachShard([&](const Shard& s) {
      j.beginObject();
      j.field("statisticsBytes", s.memory().bytes);
      j.field("memoryBudget", s.memoryBudget());
      j.field("activeConnections", uint64_t(s.flows().activeCount()));
      j.field("connections", uint64_t(s.flows().connectionCount()));
      j.field("evictedEntities", s.evictedEntities());
      j.endObject();
    });
    j.endArray();
    j.endObject();
    return api::Response::json(j.take());
  });

  server.route(api::Method::Get, "/API/stats/processing", api::Role::ReadOnly, [&source](const api::Request&) {
    const query::QueryContext ctx = source.open();
    const AnalysisStatus st = ctx.analysis.status();
    const TraceTotals totals = ctx.engine().totals();
    int64_t retained = INT64_MIN;
    ctx.engine().forEachShard([&](const Shard& s) { retained = std::max(retained, s.retainedFromSecond()); });
    query::JsonOut j;
    j.beginObject();
    j.field("state", st.finished ? "finished" : st.running ? "running" : "starting");
    j.key("sources");
    j.beginArray();
    for (const auto& name : ctx.analysis.inputNames()) j.value(name);
    j.endArray();
    j.field("packets", st.finished ? totals.packets : st.packets);
    j.field("bytes", totals.bytes);
    j.field("bytesConsumed", st.bytesConsumed);
    j.field("bytesTotal", st.bytesTotal);
    j.field("progress", st.finished ? 1.0 : st.bytesTotal ? double(st.bytesConsumed) / double(st.bytesTotal) : 0.0);
    j.field("wallSeconds", st.wallSeconds);
    j.key("ipReassembly");
    j.beginObject();
    totals.reassembly.forEachField([&](const char* name, uint64_t value) { j.field(name, value); });
    j.endObject();
    j.key("oldestAnswerableSecond");
    if (retained == INT64_MIN) j.null();
    else j.value(retained);
    j.key("errors");
    j.beginArray();
    for (const ReadError& e : ctx.analysis.errors()) {
      j.beginObject();
      j.field("file", e.file);
      j.field("offset", e.offset);
      j.field("message", e.message);
      j.endObject();
    }
    j.endArray();
    j.endObject();
    return api::Response::json(j.take());
  });
}

}  // namespace netmeter
