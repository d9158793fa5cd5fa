#include <map>
#include <optional>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "core/protocol_names.h"
#include "core/service_names.h"
#include "modules/app/host_names_api.h"
#include "modules/connections/connection_api.h"
#include "modules/dpi/dpi_api.h"
#include "modules/mac/oui_database.h"
#include "modules/module_routes.h"
#include "modules/tcp/tcp_ip_columns.h"
#include "query/counters.h"
#include "query/json_rows_csv.h"
#include "query/list_query.h"
#include "query/seen_ip.h"
#include "query/traffic_ranking.h"

namespace netmeter {

namespace {

using query::JsonOut;
using query::TimeWindow;

const auto ipsOf = [](const Shard& s) -> const KeyedStats<IpAddress, IpRecord>& { return s.modules().ip.ips(); };
const auto pairsOf = [](const Shard& s) -> const KeyedStats<IpPairKey, IpPairRecord>& {
  return s.modules().ip.pairs();
};

// The TCP columns of `keys` (nullopt for an IP without TCP), summed over the shards' per-IP TCP records.
std::vector<std::optional<TcpIpColumns>> tcpColumns(const Engine& engine, const std::vector<IpAddress>& keys,
                                                    const TimeWindow& w, size_t begin = 0, size_t end = SIZE_MAX) {
  end = std::min(end, keys.size());
  std::vector<std::optional<TcpIpColumns>> out(end > begin ? end - begin : 0);
  engine.forEachShard([&](const Shard& s) {
    for (size_t i = begin; i < end; ++i) {
      if (const TcpIpRecord* r = s.modules().tcp.ips().find(keys[i])) {
        auto& c = out[i - begin];
        if (!c) c.emplace();
        c->add(*r, w);
      }
    }
  });
  return out;
}

// One IP object (the IP table's row, and the detail page's overview). Counters have six values:
// [rx packets, rx bytes, tx packets, tx bytes, TCP packets, UDP packets].
void writeIp(JsonOut& j, const IpAddress& ip, const IpRecord& r, const TimeWindow& w, const OuiDatabase* vendors,
             const std::vector<std::string>& names, const std::optional<TcpIpColumns>& tcp) {
  j.beginObject();
  j.field("ip", ip.toString());
  j.key("alternativeNames");
  j.beginArray();
  for (const std::string& n : names) j.value(n);
  j.endArray();
  query::writeTraffic(j, r, w);
  const auto& all = r.counters.allTime();
  j.field("tcpPackets", all[4]);
  j.field("udpPackets", all[5]);
  j.field("peers", r.peers);
  j.key("ttl");
  if (r.ttlCount) {
    j.beginObject();
    j.field("min", uint32_t{r.ttlMin});
    j.field("max", uint32_t{r.ttlMax});
    j.field("avg", double(r.ttlSum) / double(r.ttlCount));
    j.endObject();
  } else {
    j.null();
  }
  j.key("mtu");
  j.beginObject();
  j.field("rx", r.mtuReceived);
  j.field("tx", r.mtuSent);
  j.endObject();
  j.field("connectionsAsClient", r.connectionsAsClient);
  j.field("connectionsAsServer", r.connectionsAsServer);
  j.timeField("lastNewConnection", r.lastNewConnection);
  j.key("tcp");
  if (tcp) tcp->write(j);
  else j.null();
  j.key("macs");
  j.beginArray();
  for (const MacAddress& mac : r.macs) {
    j.beginObject();
    j.field("mac", mac.toString());
    j.field("vendor", vendors ? vendors->vendor(mac) : std::string_view());
    j.endObject();
  }
  j.endArray();
  j.key("vlans");
  j.beginArray();
  for (uint16_t v : r.vlans) {
    if (v == kNoVlan) j.null();
    else j.value(uint32_t{v});
  }
  j.endArray();
  j.key("interfaces");
  j.beginArray();
  for (uint32_t i = 0; i < 64; ++i)
    if (r.interfaceMask & (uint64_t{1} << i)) j.value(i);
  j.endArray();
  j.endObject();
}

std::string ipCsvHeader() {
  return "ip,firstActivity_us,lastActivity_us,allTime_rxPackets,allTime_rxBytes,allTime_txPackets,allTime_txBytes,"
         "interval_rxPackets,interval_rxBytes,interval_txPackets,interval_txBytes,tcpPackets,udpPackets,peers,"
         "connectionsAsClient,connectionsAsServer,ttlMin,ttlMax,mtuRx,mtuTx,macs,alternativeNames,"
         "tcpHandshakeAvgNsAsClient,tcpHandshakeAvgNsAsServer,tcpDataResponseAvgNs,tcpPayloadBytes,"
         "tcpRetransmittedBytes\r\n";
}

void appendIpCsv(std::string& out, const IpAddress& ip, const IpRecord& r, const TimeWindow& w,
                 const std::vector<std::string>& names, const std::optional<TcpIpColumns>& tcp) {
  const auto& a = r.counters.allTime();
  const auto i = w.intervalSum(r.counters);
  std::string line = ip.toString();
  auto num = [&](auto v) {
    line += ',';
    line += std::to_string(v);
  };
  num(r.firstActivity / 1000);
  num(r.lastActivity / 1000);
  for (size_t k = 0; k < 4; ++k) num(a[k]);
  for (size_t k = 0; k < 4; ++k) num(i[k]);
  num(a[4]);
  num(a[5]);
  num(r.peers);
  num(r.connectionsAsClient);
  num(r.connectionsAsServer);
  line += ',';
  if (r.ttlCount) line += std::to_string(r.ttlMin);
  line += ',';
  if (r.ttlCount) line += std::to_string(r.ttlMax);
  num(r.mtuReceived);
  num(r.mtuSent);
  std::string macs;
  for (const MacAddress& m : r.macs) macs += (macs.empty() ? "" : " ") + m.toString();
  line += ',';
  query::appendCsvField(line, macs);
  std::string joined;
  for (const std::string& n : names) joined += (joined.empty() ? "" : " ") + n;
  line += ',';
  query::appendCsvField(line, joined);
  auto average = [&](std::optional<double> v) {
    line += ',';
    if (v) line += std::to_string(int64_t(*v + 0.5));
  };
  if (tcp) {
    average(tcp->handshakeAvgNsAsClient());
    average(tcp->handshakeAvgNsAsServer());
    average(tcp->dataResponseAvgNs());
    num(tcp->payloadBytes);
    num(tcp->retransmittedBytes);
  } else {
    line += ",,,,,";  // the five TCP columns, empty
  }
  out += line;
  out += "\r\n";
}

const std::vector<std::string_view> kIpColumns = {
    "bytes", "rxbytes", "txbytes", "packets", "rxpackets", "txpackets", "bps", "rxbps", "txbps", "pps", "rxpps",
    "txpps", "ip", "firstActivity", "lastActivity", "peers", "tcpPackets", "udpPackets", "connections", "mtu",
    "handshake", "dataResponseTime", "tcpPayload", "retransmissions", "retransmissionPercent"};

query::Combine combineFor(std::string_view column) {
  if (column == "firstactivity") return query::Combine::kMin;
  // A TCP column's value is the IP's over all shards (TcpIpColumns), the same from every shard.
  if (column == "lastactivity" || column == "mtu" || TcpIpColumns::isColumn(column)) return query::Combine::kMax;
  return query::Combine::kSum;
}

double ipSortValue(const IpRecord& r, std::string_view column, const TimeWindow& w) {
  if (auto m = query::trafficMetric(column)) return query::metricValue(r.counters, *m, w);
  if (column == "firstactivity") return double(r.firstActivity);
  if (column == "lastactivity") return double(r.lastActivity);
  if (column == "peers") return double(r.peers);
  if (column == "connections") return double(r.connectionsAsClient + r.connectionsAsServer);
  if (column == "mtu") return double(std::max(r.mtuReceived, r.mtuSent));
  if (column == "tcppackets" || column == "udppackets") {
    const size_t k = column == "tcppackets" ? 4 : 5;
    return double(w.explicitInterval ? w.intervalSum(r.counters)[k] : r.counters.allTime()[k]);
  }
  return 0;  // "ip": ties are ordered by address
}

// What a row of the IP list shows, kept with the ranking for its top rows: the merged record (its
// history from the ranking's last second on) and the alternative names.
struct IpRowDetail {
  IpRecord record;
  std::vector<std::string> names;
  std::optional<TcpIpColumns> tcp;
};
using IpRanking = query::RankingCache<IpAddress, IpRowDetail>;

// The rows of `keys` merged over the shards (nullopt where no shard has the IP), with one lock round
// over the shards for the records and one for the names.
std::vector<std::optional<IpRowDetail>> ipRows(const Engine& engine, const std::vector<IpAddress>& keys,
                                               const TimeWindow& w) {
  auto records = query::mergedRecords<IpRecord>(engine, ipsOf, keys);
  auto names = alternativeNames(engine, keys);
  auto tcp = tcpColumns(engine, keys, w);
  std::vector<std::optional<IpRowDetail>> rows(keys.size());
  for (size_t i = 0; i < keys.size(); ++i)
    if (records[i]) rows[i].emplace(IpRowDetail{std::move(*records[i]), std::move(names[i]), tcp[i]});
  return rows;
}

// Writes the IP objects of `keys`.
void writeIps(JsonOut& j, const Engine& engine, const std::vector<IpAddress>& keys, const TimeWindow& w,
              const OuiDatabase* vendors) {
  const auto rows = ipRows(engine, keys, w);
  for (size_t i = 0; i < keys.size(); ++i)
    if (rows[i]) writeIp(j, keys[i], rows[i]->record, w, vendors, rows[i]->names, rows[i]->tcp);
}

// An unfiltered page of the default time selection sorted by a traffic column, from the ranking
// index (see RankingCache); nullopt when the request needs more than it holds.
std::optional<api::Response> ipPageFromRanking(const query::QueryContext& ctx, const api::Request& req,
                                               const query::ListParams& params, const TimeWindow& w,
                                               IpRanking& cache) {
  const auto metric = query::trafficMetric(params.sort);
  if (!metric || w.explicitInterval || params.csv || !params.filter.empty()) return std::nullopt;
  const auto ranking = cache.get(ctx.hold);
  if (!ranking) return std::nullopt;
  // The ranking's own clock: its "last second" is the one it ranked.
  auto window = query::parseTimeWindow(req, ranking->clock(), 0);
  if (!window) return window.errorResponse();
  const size_t begin = params.page * params.count;
  const auto keys = ranking->page(*metric, params.reverse, begin, begin + params.count);
  // Rows as the ranking saw them when it has them all (and no history is asked for), else as they are.
  std::vector<const IpRowDetail*> details;
  for (const IpAddress& ip : keys)
    if (const IpRowDetail* d = window->values == 0 ? ranking->detail(ip) : nullptr) details.push_back(d);
  JsonOut j;
  query::beginPagedList(j, params, ranking->size(), *window);
  if (details.size() == keys.size()) {
    for (size_t i = 0; i < keys.size(); ++i)
      writeIp(j, keys[i], details[i]->record, *window, ctx.vendors, details[i]->names, details[i]->tcp);
  } else {
    writeIps(j, ctx.engine(), keys, *window, ctx.vendors);
  }
  query::endPagedList(j);
  // Tells scripts and tests that the page came from the ranking index (see docs/api.md).
  return api::Response::json(j.take()).withHeader("X-Netmeter-Ranking", "index");
}

api::Response ipList(const query::QueryContext& ctx, const api::Request& req, IpRanking& ranking) {
  auto window = ctx.window(req, 0);
  if (!window) return window.errorResponse();
  auto params = query::parseListParams(req, kIpColumns, "bytes");
  if (!params) return params.errorResponse();
  auto rowFilter = query::RowFilter::parse(params->filter);
  if (!rowFilter) return rowFilter.errorResponse();
  const TimeWindow& w = *window;
  if (auto fromRanking = ipPageFromRanking(ctx, req, *params, w, ranking)) return std::move(*fromRanking);
  query::RowFilter& filter = **rowFilter;
  const Engine& engine = ctx.engine();

  size_t expected = 0;
  engine.forEachShard([&](const Shard& s) { expected += s.modules().ip.ips().size(); });
  query::RankCollector<IpAddress> collector(engine.workerCount(), combineFor(params->sort), expected);
  const auto named = ipsNamed(engine, filter);  // the substring filter also matches alternative names
  // A TCP sort column: every IP's TCP columns summed over the shards first (an IP without TCP sorts
  // as one without samples).
  const bool byTcp = TcpIpColumns::isColumn(params->sort);
  absl::flat_hash_map<IpAddress, TcpIpColumns> tcpOfIps;
  if (byTcp)
    engine.forEachShard([&](const Shard& s) {
      s.modules().tcp.ips().forEach([&](const IpAddress& ip, const TcpIpRecord& r) { tcpOfIps[ip].add(r, w); });
    });
  const TcpIpColumns noTcp;
  std::string text;
  engine.forEachShard([&](const Shard& s) {
    s.modules().ip.ips().forEach([&](const IpAddress& ip, const IpRecord& r) {
      if (filter.isExpression()) {
        if (!filter.matches(filter::IpRow{ip})) return;
      } else if (!filter.empty()) {
        text = ip.toString();
        if (!filter.containsText(text) && !named.contains(ip)) return;
      }
      if (byTcp) {
        const auto it = tcpOfIps.find(ip);
        collector.add(ip, (it == tcpOfIps.end() ? noTcp : it->second).sortValue(params->sort));
      } else {
        collector.add(ip, ipSortValue(r, params->sort, w));
      }
    });
  });
  auto rows = collector.take();
  if (params->csv) {
    query::orderRows(rows, params->reverse, rows.size());
    std::vector<IpAddress> keys;
    keys.reserve(rows.size());
    for (const auto& r : rows) keys.push_back(r.key);
    return query::csvResponse<IpAddress>(
        ipCsvHeader(), std::move(keys), "ips.csv", ctx.hold,
        [&engine, w](const std::vector<IpAddress>& order, size_t begin, size_t end, std::string& out) {
          const auto records = query::mergedRecords<IpRecord>(engine, ipsOf, order, begin, end);
          const auto names = alternativeNames(engine, order, begin, end);
          const auto tcpOfRows = tcpColumns(engine, order, w, begin, end);
          for (size_t i = begin; i < end; ++i)
            if (const auto& r = records[i - begin])
              appendIpCsv(out, order[i], *r, w, names[i - begin], tcpOfRows[i - begin]);
        });
  }
  const size_t total = rows.size();
  const auto page = query::pageKeys(rows, *params);
  JsonOut j;
  query::beginPagedList(j, *params, total, w);
  writeIps(j, engine, page, w, ctx.vendors);
  query::endPagedList(j);
  return api::Response::json(j.take());
}

// The IP's peers: every IP pair it belongs to (each pair lives in exactly one shard).
api::Response peerList(const query::QueryContext& ctx, const api::Request& req, const IpAddress& ip) {
  auto window = ctx.window(req, 0);
  if (!window) return window.errorResponse();
  static const std::vector<std::string_view> columns = {
      "bytes", "rxbytes", "txbytes", "packets", "rxpackets", "txpackets", "bps", "rxbps", "txbps", "pps",
      "rxpps", "txpps", "ip", "firstActivity", "lastActivity"};
  auto params = query::parseListParams(req, columns, "bytes");
  if (!params) return params.errorResponse();
  auto rowFilter = query::RowFilter::parse(params->filter);
  if (!rowFilter) return rowFilter.errorResponse();
  const TimeWindow& w = *window;
  query::RowFilter& filter = **rowFilter;
  const auto metric = query::trafficMetric(params->sort);

  std::vector<query::Ranked<IpAddress>> rows;
  const auto named = ipsNamed(ctx.engine(), filter);
  std::string text;
  ctx.engine().forEachShard([&](const Shard& s) {
    s.modules().ip.pairs().forEach([&](const IpPairKey& k, const IpPairRecord& r) {
      if (k.a != ip && k.b != ip) return;
      const bool swap = k.b == ip;  // the record is kept from a's view
      const IpAddress& peer = swap ? k.a : k.b;
      if (filter.isExpression()) {
        if (!filter.matches(filter::IpRow{peer})) return;
      } else if (!filter.empty()) {
        text = peer.toString();
        if (!filter.containsText(text) && !named.contains(peer)) return;
      }
      double v = 0;
      if (metric) v = query::metricValue(r.counters, swap ? query::swapped(*metric) : *metric, w);
      else if (params->sort == "firstactivity") v = double(r.firstActivity);
      else if (params->sort == "lastactivity") v = double(r.lastActivity);
      rows.push_back({peer, v});
    });
  });
  auto writePeer = [&](JsonOut& j, const IpAddress& peer) {
    const IpPairKey key = ip < peer ? IpPairKey{ip, peer} : IpPairKey{peer, ip};
    auto r = query::mergedRecord<IpPairRecord>(ctx.engine(), pairsOf, key);
    if (!r) return;
    j.beginObject();
    j.field("ip", peer.toString());
    writeAlternativeNames(j, ctx.engine(), peer);
    query::writeCounters(j, r->counters, w, 4, key.b == ip);
    j.timeField("firstActivity", r->firstActivity);
    j.timeField("lastActivity", r->lastActivity);
    j.endObject();
  };
  return query::pageOrCsv(rows, *params, w, "peers.csv", writePeer);
}

// Aggregates over the IP's connections, from the IP's view (rx = received by the IP).
struct ConnectionAggregate {
  query::SummedCounters<4> counters;
  uint64_t connections = 0;
  PacketTime first = INT64_MAX;
  PacketTime last = INT64_MIN;
};

template <typename Key, typename KeyOf>
std::map<Key, ConnectionAggregate> aggregateConnections(const query::QueryContext& ctx, const IpAddress& ip,
                                                        const TimeWindow& w, KeyOf keyOf) {
  std::map<Key, ConnectionAggregate> out;
  ctx.engine().forEachShard([&](const Shard& s) {
    s.flows().forEach([&](const Connection& c) {
      const bool isClient = c.clientIp == ip;
      if (!isClient && c.serverIp != ip) return;
      ConnectionAggregate& a = out[keyOf(c, isClient)];
      a.counters.add(c.traffic, w, !isClient);
      ++a.connections;
      a.first = std::min(a.first, c.start);
      a.last = std::max(a.last, c.lastActivity);
    });
  });
  return out;
}

// A paged list over aggregated rows; `writeKey(j, key)` writes the row's identifying fields.
template <typename Key, typename WriteKey>
api::Response aggregateList(const api::Request& req, const TimeWindow& w,
                            std::map<Key, ConnectionAggregate> rows, std::string_view csvName,
                            WriteKey writeKey) {
  static const std::vector<std::string_view> columns = {
      "bytes", "rxbytes", "txbytes", "packets", "rxpackets", "txpackets", "bps",
      "rxbps", "txbps",   "pps",     "rxpps",   "txpps",     "connections"};
  auto params = query::parseListParams(req, columns, "bytes");
  if (!params) return params.errorResponse();
  if (auto refused = query::refuseFilter(*params)) return refused->toResponse();
  const auto metric = query::trafficMetric(params->sort);
  std::vector<query::Ranked<Key>> ranked;
  ranked.reserve(rows.size());
  for (const auto& [key, a] : rows)
    ranked.push_back({key, metric ? query::metricValue(a.counters, *metric, w) : double(a.connections)});
  auto writeRow = [&](JsonOut& j, const Key& key) {
    const ConnectionAggregate& a = rows.at(key);
    j.beginObject();
    writeKey(j, key);
    j.field("connections", a.connections);
    query::writeCounters(j, a.counters, w);
    j.timeField("firstActivity", a.first);
    j.timeField("lastActivity", a.last);
    j.endObject();
  };
  return query::pageOrCsv(ranked, *params, w, csvName, writeRow);
}

// Wraps a handler for /ips/:ip/...: opens the analysis and parses the address first (400 when it is
// not one, 404 when the IP has never been seen, query/seen_ip.h); `f(ctx, req, ip)` answers from the
// same analysis.
template <typename F>
api::Handler ipHandler(const query::QuerySource& source, F f) {
  return [&source, f](const api::Request& req) -> api::Response {
    const query::QueryContext ctx = source.open();
    auto ip = query::seenIpParam(req, ctx.engine());
    if (!ip) return ip.errorResponse();
    return f(ctx, req, *ip);
  };
}

api::Response ipOverview(const query::QueryContext& ctx, const api::Request& req) {
  auto window = ctx.window(req, 0);
  if (!window) return window.errorResponse();
  size_t ips = 0, v4 = 0, v6 = 0, pairs = 0, active = 0, connections = 0;
  // IP records are spread over shards: count distinct addresses.
  query::RankCollector<IpAddress> distinct(ctx.engine().workerCount(), query::Combine::kSum);
  ctx.engine().forEachShard([&](const Shard& s) {
    s.modules().ip.ips().forEach([&](const IpAddress& ip, const IpRecord&) { distinct.add(ip, 1); });
    pairs += s.modules().ip.pairs().size();
    active += s.flows().activeCount();
    connections += s.flows().connectionCount();
  });
  for (const auto& r : distinct.take()) {
    ++ips;
    (r.key.isV4() ? v4 : v6)++;
  }
  JsonOut j;
  j.beginObject();
  j.field("ips", uint64_t(ips));
  j.field("ipv4", uint64_t(v4));
  j.field("ipv6", uint64_t(v6));
  j.field("ipPairs", uint64_t(pairs));
  j.field("activeConnections", uint64_t(active));
  j.field("connections", uint64_t(connections));
  j.field("starttime", window->fromSecond);
  j.field("endtime", window->toSecond);
  j.endObject();
  return api::Response::json(j.take());
}

}  // namespace

void registerIpRoutes(api::Server& server, const query::QuerySource& source) {
  using api::Method;
  using api::Role;
  const std::string base = "/API/stats/modules/ip";
  auto ranking = std::make_shared<IpRanking>(
      [](const Analysis& analysis, size_t maxRows) {
        return query::buildTrafficRanking<IpAddress, IpRowDetail>(analysis, ipsOf, maxRows);
      },
      [](const Analysis& analysis, const IpRanking::Ranking& r, const std::vector<IpAddress>& keys) {
        // The ranking serves the default time selection only: all-time TCP columns.
        auto rows = ipRows(analysis.engine(), keys, TimeWindow{});
        absl::flat_hash_map<IpAddress, IpRowDetail> out;
        MemoryAccount scratch;
        for (size_t i = 0; i < keys.size(); ++i) {
          if (!rows[i]) continue;
          rows[i]->record.dropBefore(r.clock().lastSecond, scratch);  // rows show no history
          out.emplace(keys[i], std::move(*rows[i]));
        }
        return out;
      },
      std::vector<IpRanking::OrderSpec>{{*query::trafficMetric("bytes"), true, IpRanking::kDetailRows}},
      source.rankingBytes);
  server.route(Method::Get, base, Role::ReadOnly,
               [&source](const api::Request& req) { return ipOverview(source.open(), req); });
  server.route(Method::Get, base + "/ips_paged", Role::ReadOnly, [&source, ranking](const api::Request& req) {
    return ipList(source.open(), req, *ranking);
  });
  server.route(Method::Get, base + "/ips/:ip", Role::ReadOnly,
               ipHandler(source, [](const query::QueryContext& ctx, const api::Request& req,
                                    const IpAddress& ip) {
                 auto window = ctx.window(req, 100);
                 if (!window) return window.errorResponse();
                 auto r = query::mergedRecord<IpRecord>(ctx.engine(), ipsOf, ip);
                 if (!r) return api::notFound("IP " + ip.toString() + " has not been seen").toResponse();
                 JsonOut j;
                 writeIp(j, ip, *r, *window, ctx.vendors, alternativeNames(ctx.engine(), ip),
                         tcpColumns(ctx.engine(), {ip}, *window)[0]);
                 return api::Response::json(j.take());
               }));
  server.route(Method::Get, base + "/ips/:ip/connections", Role::ReadOnly,
               ipHandler(source, [](const query::QueryContext& ctx, const api::Request& req,
                                    const IpAddress& ip) {
                 return connectionList(
                     ctx, req, [ip](const Connection& c) { return c.clientIp == ip || c.serverIp == ip; },
                     "connections-" + ip.toString() + ".csv");
               }));
  server.route(Method::Get, base + "/ips/:ip/peers", Role::ReadOnly,
               ipHandler(source, [](const query::QueryContext& ctx, const api::Request& req,
                                    const IpAddress& ip) { return peerList(ctx, req, ip); }));
  // L4 endpoints: per (role, L4 protocol, server port).
  server.route(Method::Get, base + "/ips/:ip/ports", Role::ReadOnly,
               ipHandler(source, [](const query::QueryContext& ctx, const api::Request& req,
                                    const IpAddress& ip) {
                 auto window = ctx.window(req, 0);
                 if (!window) return window.errorResponse();
                 using Key = std::tuple<bool, uint8_t, uint16_t>;  // (ip is server, protocol, server port)
                 auto rows = aggregateConnections<Key>(ctx, ip, *window, [](const Connection& c, bool isClient) {
                   return Key{!isClient, c.l4Protocol, c.serverPort};
                 });
                 return aggregateList(req, *window, std::move(rows), "ports.csv",
                                      [](JsonOut& j, const Key& k) {
                                        j.field("role", std::get<0>(k) ? "server" : "client");
                                        j.field("l4Protocol", uint32_t{std::get<1>(k)});
                                        j.field("l4ProtocolName", ipProtocolName(std::get<1>(k)));
                                        j.field("port", uint32_t{std::get<2>(k)});
                                        j.field("service", usualServiceName(std::get<1>(k), std::get<2>(k)));
                                      });
               }));
  // Peers with the server ports used between them.
  server.route(Method::Get, base + "/ips/:ip/peers_ports", Role::ReadOnly,
               ipHandler(source, [](const query::QueryContext& ctx, const api::Request& req,
                                    const IpAddress& ip) {
                 auto window = ctx.window(req, 0);
                 if (!window) return window.errorResponse();
                 using Key = std::tuple<IpAddress, bool, uint8_t, uint16_t>;
                 auto rows = aggregateConnections<Key>(ctx, ip, *window, [](const Connection& c, bool isClient) {
                   return Key{isClient ? c.serverIp : c.clientIp, !isClient, c.l4Protocol, c.serverPort};
                 });
                 return aggregateList(req, *window, std::move(rows), "peers_ports.csv",
                                      [](JsonOut& j, const Key& k) {
                                        j.field("peer", std::get<0>(k).toString());
                                        j.field("role", std::get<1>(k) ? "server" : "client");
                                        j.field("l4Protocol", uint32_t{std::get<2>(k)});
                                        j.field("l4ProtocolName", ipProtocolName(std::get<2>(k)));
                                        j.field("port", uint32_t{std::get<3>(k)});
                                        j.field("service", usualServiceName(std::get<2>(k), std::get<3>(k)));
                                      });
               }));
  // Protocols: the IP's L7 (DPI) protocols as in the reference (layer=l7, the default), or per L4
  // protocol (layer=l4).
  server.route(Method::Get, base + "/ips/:ip/protocols", Role::ReadOnly,
               ipHandler(source, [](const query::QueryContext& ctx, const api::Request& req,
                                    const IpAddress& ip) {
                 auto layer = api::choiceParam(req, "layer", {"l7", "l4"}, "l7");
                 if (!layer) return layer.errorResponse();
                 if (*layer == "l7") return ipL7ProtocolList(ctx, req, ip);
                 auto window = ctx.window(req, 0);
                 if (!window) return window.errorResponse();
                 auto rows = aggregateConnections<uint8_t>(ctx, ip, *window,
                                                           [](const Connection& c, bool) { return c.l4Protocol; });
                 return aggregateList(req, *window, std::move(rows), "protocols.csv",
                                      [](JsonOut& j, const uint8_t& k) {
                                        j.field("l4Protocol", uint32_t{k});
                                        j.field("name", ipProtocolName(k));
                                      });
               }));
  // QoS: per DSCP the IP sent with (null: nothing sent).
  server.route(Method::Get, base + "/ips/:ip/qos", Role::ReadOnly,
               ipHandler(source, [](const query::QueryContext& ctx, const api::Request& req,
                                    const IpAddress& ip) {
                 auto window = ctx.window(req, 0);
                 if (!window) return window.errorResponse();
                 auto rows = aggregateConnections<uint8_t>(ctx, ip, *window, [](const Connection& c, bool isClient) {
                   return c.dir[isClient ? kClientToServer : kServerToClient].dscp;
                 });
                 return aggregateList(req, *window, std::move(rows), "qos.csv",
                                      [](JsonOut& j, const uint8_t& k) {
                                        j.key("dscp");
                                        if (k == 0xff)
                                          j.null();
                                        else
                                          j.value(uint32_t{k});
                                        j.field("name", k == 0xff ? std::string_view() : dscpName(k));
                                      });
               }));
  server.route(
      Method::Get, base + "/ips/:ip/macs", Role::ReadOnly,
      ipHandler(source, [](const query::QueryContext& ctx, const api::Request&, const IpAddress& ip) {
        auto r = query::mergedRecord<IpRecord>(ctx.engine(), ipsOf, ip);
        if (!r) return api::notFound("IP " + ip.toString() + " has not been seen").toResponse();
        JsonOut j;
        j.beginObject();
        j.key("displayedItems");
        j.beginArray();
        for (const MacAddress& mac : r->macs) {
          j.beginObject();
          j.field("mac", mac.toString());
          j.field("vendor", ctx.vendors ? ctx.vendors->vendor(mac) : std::string_view());
          j.endObject();
        }
        j.endArray();
        j.field("totalItems", uint64_t(r->macs.size()));
        j.endObject();
        return api::Response::json(j.take());
      }));
  registerConnectionRoutes(server, source);
}

}  // namespace netmeter
