// IpHints: each IP address's record keeps where its records in the other modules' tables are, and
// every hint it holds leads to a record of that same address.
#include "flow/ip_hints.h"

#include <gtest/gtest.h>

#include "l7_test_util.h"

namespace netmeter {
namespace {

// Whether `hint` leads to one of the records of `table` whose key `belongs` to the address.
template <typename Table, typename Belongs>
bool leadsToRecordOf(const Table& table, const void* hint, Belongs belongs) {
  bool found = false;
  table.forEach(
      [&](const auto& key, const auto&) { found = found || (belongs(key) && Table::hinted(hint, key)); });
  return found;
}

TEST(IpHints, EveryHintOfAnAddressLeadsToThatAddresssRecord) {
  EngineOptions options;
  options.threads = 1;
  const auto engine = test::analyzeMixedTrace(options);
  const ModuleSet* shard = nullptr;
  engine->forEachShard([&](const Shard& s) { shard = &s.modules(); });
  ASSERT_NE(shard, nullptr);
  const ModuleSet& m = *shard;
  struct Kind {
    const char* name;
    const void* IpHints::*hint;
    size_t set = 0;
  };
  Kind kinds[] = {{"mac", &IpHints::mac},
                  {"tcp", &IpHints::tcp},
                  {"tcpServerPort", &IpHints::tcpServerPort},
                  {"l7", &IpHints::l7},
                  {"names", &IpHints::names},
                  {"tlsClient", &IpHints::tlsClient},
                  {"tlsServer", &IpHints::tlsServer},
                  {"httpServer", &IpHints::httpServer}};
  size_t addresses = 0;
  m.ip.ips().forEach([&](const IpAddress& ip, const IpRecord& r) {
    ++addresses;
    for (Kind& k : kinds) k.set += r.hints.*k.hint != nullptr;
    const IpHints& h = r.hints;
    const auto own = [&](const auto& key) { return key.ip == ip; };
    SCOPED_TRACE(ip.toString());
    // The MAC: one this address's packets came from (MACs are not keyed by address).
    EXPECT_TRUE(!h.mac || leadsToRecordOf(m.mac.table, h.mac, [](const MacAddress&) { return true; }));
    EXPECT_TRUE(!h.tcp || m.tcp.ips().hinted(h.tcp, ip) == m.tcp.ips().find(ip));
    EXPECT_TRUE(!h.tcpServerPort || leadsToRecordOf(m.tcp.serverPorts(), h.tcpServerPort, own));
    EXPECT_TRUE(!h.l7 || leadsToRecordOf(m.dpi.ips(), h.l7, own));
    EXPECT_TRUE(!h.names || HostNameTable::hinted(h.names, ip) == m.app.names.find(ip));
    EXPECT_TRUE(!h.tlsClient || m.app.tls.clients().hinted(h.tlsClient, ip) == m.app.tls.clients().find(ip));
    EXPECT_TRUE(!h.tlsServer || leadsToRecordOf(m.app.tls.servers(), h.tlsServer, own));
    EXPECT_TRUE(!h.httpServer ||
                m.app.http.servers().hinted(h.httpServer, ip) == m.app.http.servers().find(ip));
  });
  EXPECT_GT(addresses, 10u);
  // Every kind is in use on this trace (the analyzers learned them through the hints).
  for (const Kind& k : kinds) EXPECT_GT(k.set, 0u) << k.name;
}

// A connection analyzed without the IP module (module tests, fuzz targets) has no hints: its lookups
// go by hash, and nothing of one table's lifetime is kept for the next (a hint shared by every such
// connection of a thread outlived the tables the fuzz target created per input).
TEST(IpHints, AConnectionWithoutIpRecordsHasNoHints) {
  Connection c;
  EXPECT_EQ(c.records.hint(kClientToServer, &IpHints::tcp), nullptr);
  EXPECT_EQ(c.records.hint(kServerToClient, &IpHints::names), nullptr);
  IpHints client, server;
  c.records.hints = {&client, &server};
  EXPECT_EQ(c.records.hint(kClientToServer, &IpHints::tcp), &client.tcp);
  EXPECT_EQ(c.records.hint(kServerToClient, &IpHints::names), &server.names);

  MemoryAccount account;
  const IpAddress ip = *IpAddress::parse("10.0.0.1");
  for (int round = 0; round < 2; ++round) {  // a table per round, as a fuzz target makes per input
    KeyedStats<IpAddress, TcpIpRecord> table;
    TcpIpRecord& r = table.findOrCreateHinted(ip, static_cast<const void**>(nullptr), account);
    EXPECT_EQ(&r, table.find(ip));
    EXPECT_EQ(&table.findOrCreateHinted(ip, c.records.hint(kClientToServer, &IpHints::tcp), account), &r);
    EXPECT_EQ(decltype(table)::hinted(client.tcp, ip), &r);
    client.tcp = nullptr;  // the hint lives no longer than its table
  }
}

}  // namespace
}  // namespace netmeter
