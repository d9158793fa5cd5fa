// Idle expiry: the expiry wheel on its own, and the flow table's scans against the rule they replace
// (every scan ends exactly the active connections idle for longer than their timeout).
#include "flow/expiry_wheel.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "decode/decoder.h"
#include "flow/flow_table.h"
#include "support/packet_builder.h"

namespace netmeter {
namespace {

std::multiset<uint32_t> scan(ExpiryWheel& wheel, int64_t second) {
  std::multiset<uint32_t> seen;
  wheel.scan(
      second, [&](uint32_t slot) { seen.insert(slot); }, [](uint32_t) {});
  return seen;
}

TEST(ExpiryWheel, VisitsEntriesAtTheirDueSecondOrTheNextScan) {
  ExpiryWheel wheel(10);  // a ring of 16 seconds
  wheel.add(8, 1000);
  // The first scan looks at every bucket: what it finds early goes back in (as FlowTable::expire does).
  EXPECT_EQ(scan(wheel, 95), (std::multiset<uint32_t>{8}));
  wheel.add(1, 100);
  wheel.add(2, 103);
  wheel.add(3, 90);  // already past: due at the next scan
  EXPECT_EQ(wheel.entries(), 3u);
  EXPECT_EQ(scan(wheel, 100), (std::multiset<uint32_t>{1, 3}));
  EXPECT_EQ(wheel.entries(), 1u);
  wheel.add(4, 95);  // past again: seen by the next scan, even one in the same second
  EXPECT_EQ(scan(wheel, 100), (std::multiset<uint32_t>{4}));
  EXPECT_EQ(scan(wheel, 102), (std::multiset<uint32_t>{}));
  EXPECT_EQ(scan(wheel, 101), (std::multiset<uint32_t>{}));  // time going back finds nothing
  EXPECT_EQ(scan(wheel, 105), (std::multiset<uint32_t>{2}));
  // An entry put back during a scan waits for the next one.
  wheel.add(5, 106);
  size_t visits = 0;
  wheel.scan(
      106, [&](uint32_t slot) { ++visits, wheel.add(slot, 106); }, [](uint32_t) {});
  EXPECT_EQ(visits, 1u);
  EXPECT_EQ(scan(wheel, 106), (std::multiset<uint32_t>{5}));
  // A jump of a whole turn of the ring or more looks at every bucket: the due entry is seen, and so is
  // one due beyond this scan (early: harmless to the caller, who checks and puts it back).
  wheel.add(6, 110);
  wheel.add(7, 150);
  EXPECT_EQ(scan(wheel, 140), (std::multiset<uint32_t>{6, 7}));
  wheel.add(7, 150);
  EXPECT_EQ(scan(wheel, 149), (std::multiset<uint32_t>{}));
  EXPECT_EQ(scan(wheel, 150), (std::multiset<uint32_t>{7}));
  EXPECT_EQ(wheel.entries(), 0u);
}

TEST(ExpiryWheel, RemovesTheEntriesOfSlotsNoLongerWatched) {
  ExpiryWheel wheel(300);
  for (uint32_t slot = 0; slot < 10000; ++slot) wheel.add(slot, slot % 400);
  wheel.removeIf([](uint32_t slot) { return slot % 10 != 0; });
  EXPECT_EQ(wheel.entries(), 1000u);
  std::multiset<uint32_t> seen = scan(wheel, 1000);
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_EQ(seen.count(0), 1u);
  EXPECT_EQ(seen.count(1), 0u);
}

// Random TCP (with FIN and RST), UDP and ICMP traffic among a few hundred flows, with scans at random
// moments (several in one second, and after gaps longer than the ring): after every scan the active
// connections are exactly those that were active before it and not idle for longer than their timeout.
TEST(FlowTableExpiry, EachScanEndsExactlyTheConnectionsIdlePastTheirTimeout) {
  const FlowTimeouts timeouts{.tcpSeconds = 20, .tcpClosedSeconds = 3, .udpSeconds = 7, .otherSeconds = 5};
  FlowTable table(timeouts);
  MemoryAccount account;
  std::mt19937_64 rng(20261206);
  PacketTime t = 1'700'000'000 * kNanosPerSecond;
  auto timeoutOf = [&](const Connection& c) {
    if (c.l4Protocol == 6) {
      const bool closed = (c.finSeen[0] && c.finSeen[1]) || c.dir[0].rst || c.dir[1].rst;
      return closed ? timeouts.tcpClosedSeconds : timeouts.tcpSeconds;
    }
    return c.l4Protocol == 17 ? timeouts.udpSeconds : timeouts.otherSeconds;
  };
  size_t scans = 0, ended = 0, kept = 0;
  for (int step = 0; step < 30000; ++step) {
    const uint64_t r = rng() % 1000;
    t += r < 600   ? PacketTime(rng() % 50'000'000)
         : r < 990 ? PacketTime(rng() % (2 * kNanosPerSecond))
                   : PacketTime(rng() % 60) * kNanosPerSecond;
    if (rng() % 5 != 0) {
      test::FrameSpec f;
      const uint32_t flow = uint32_t(rng() % 300);
      f.srcIp = "10.0." + std::to_string(flow / 100) + "." + std::to_string(flow % 100 + 1);
      f.dstIp = "192.168.0.1";
      f.srcPort = uint16_t(40000 + flow);
      f.dstPort = 443;
      f.l4Protocol = flow % 3 == 0 ? 17 : flow % 10 == 1 ? 1 : 6;
      static constexpr uint8_t kFlags[] = {0x02, 0x10, 0x18, 0x11, 0x04, 0x12};
      f.tcpFlags = kFlags[rng() % 6];
      if (rng() % 2) std::swap(f.srcIp, f.dstIp), std::swap(f.srcPort, f.dstPort);
      const std::vector<uint8_t> frame = test::buildFrame(f);
      DecodedPacket p;
      decodePacket(test::rawPacket(frame, t), p);
      table.update(p, account);
      continue;
    }
    std::map<uint32_t, bool> idleBefore;  // active slot -> idle past its timeout
    table.forEachWithSlot([&](uint32_t slot, const Connection& c) {
      if (table.isActive(slot)) idleBefore[slot] = t - c.lastActivity > timeoutOf(c) * kNanosPerSecond;
    });
    table.expire(t);
    ++scans;
    size_t active = 0;
    table.forEachWithSlot([&](uint32_t slot, const Connection&) { active += table.isActive(slot); });
    EXPECT_EQ(active, table.activeCount());
    EXPECT_LE(table.expiryEntries(), 2 * table.connectionCount());
    for (const auto& [slot, idle] : idleBefore) {
      ASSERT_EQ(table.isActive(slot), !idle) << "scan " << scans << " slot " << slot;
      (idle ? ended : kept) += 1;
    }
  }
  EXPECT_GT(scans, 5000u);
  EXPECT_GT(ended, 1000u);
  EXPECT_GT(kept, 100000u);
}

}  // namespace
}  // namespace netmeter
