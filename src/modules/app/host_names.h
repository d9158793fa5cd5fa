#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/ip_address.h"
#include "modules/common/name_hash.h"
#include "modules/common/traffic_record.h"
#include "store/entity_table.h"

namespace netmeter {

// Where an IP's alternative name was learned.
enum class NameSource : uint8_t { kDns, kHttp, kTls };
std::string_view nameSourceName(NameSource source);

struct HostName {
  std::string name;   // lower case
  uint32_t hash = 0;  // nameHash(name): compared first
  NameSource source = NameSource::kDns;
  PacketTime lastSeen = INT64_MIN;
};

// The alternative names of one IP: the kMaxNames most recently seen (resolved by DNS, asked for in an
// HTTP Host header or a TLS SNI). Keeping the most recent ones is what makes shards mergeable exactly:
// the overall most recent names are among each shard's most recent.
struct HostNameRecord : Activity {
  static constexpr size_t kMaxNames = 4;
  std::array<HostName, kMaxNames> names;
  uint8_t count = 0;

  // Kept sorted newest first (then by name).
  void learn(std::string_view name, NameSource source, PacketTime t, MemoryAccount& account);
  bool contains(std::string_view needle) const;  // case-insensitive substring of any name
  void release(MemoryAccount& account);
  static bool newerFirst(const HostName& a, const HostName& b);  // the order kept
  void moveUp(size_t i);
  void mergeFrom(const HostNameRecord& o, MemoryAccount& account) {
    for (uint8_t i = 0; i < o.count; ++i)
      learn(o.names[i].name, o.names[i].source, o.names[i].lastSeen, account);
  }
};

// Alternative names per IP (the reference's "alternative names" column), filled by the application
// analyzers. `find()` on a merged view is the lookup the API's IP lists and table filters use.
class HostNameTable {
 public:
  static constexpr size_t kMaxNameLength = 253;
  void learn(const IpAddress& ip, std::string_view name, NameSource source, PacketTime t,
             MemoryAccount& account) {
    learn(ip, name, source, t, nullptr, account);
  }
  // The same with a hint to the address's record (EntityTable::findOrCreateHinted; IpHints::names),
  // or null.
  void learn(const IpAddress& ip, std::string_view name, NameSource source, PacketTime t, const void** hint,
             MemoryAccount& account);
  const HostNameRecord* find(const IpAddress& ip) const { return table_.find(ip); }
  // The record a learn() hint points at if it is still the one of `ip` (EntityTable::hinted).
  static const HostNameRecord* hinted(const void* hint, const IpAddress& ip) {
    return EntityTable<IpAddress, HostNameRecord>::hinted(hint, ip);
  }
  size_t size() const { return table_.size(); }
  template <typename F>
  void forEach(F&& f) const {
    table_.forEach(f);
  }
  size_t evictBefore(PacketTime before, MemoryAccount& account) {
    return table_.evictBefore(before, account);
  }
  void mergeFrom(const HostNameTable& o, MemoryAccount& account) {
    o.table_.forEach([&](const IpAddress& ip, const HostNameRecord& r) {
      HostNameRecord& mine = table_.findOrCreate(ip, account);
      mine.touch(r.firstActivity);
      mine.touch(r.lastActivity);
      mine.mergeFrom(r, account);
    });
  }

 private:
  EntityTable<IpAddress, HostNameRecord> table_;
};

}  // namespace netmeter
