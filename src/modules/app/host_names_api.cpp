#include "modules/app/host_names_api.h"

#include <algorithm>
#include <tuple>

#include "engine/shard.h"

namespace netmeter {

namespace {

// Most recent first (ties by name).
std::vector<std::string> sortedNames(HostNameRecord& merged, MemoryAccount& scratch) {
  std::vector<const HostName*> sorted;
  for (uint8_t i = 0; i < merged.count; ++i) sorted.push_back(&merged.names[i]);
  std::sort(sorted.begin(), sorted.end(), [](const HostName* a, const HostName* b) {
    return std::tie(b->lastSeen, a->name) < std::tie(a->lastSeen, b->name);
  });
  std::vector<std::string> out;
  out.reserve(sorted.size());
  for (const HostName* n : sorted) out.push_back(n->name);
  merged.release(scratch);
  return out;
}

}  // namespace

std::vector<std::string> alternativeNames(const Engine& engine, const IpAddress& ip) {
  HostNameRecord merged;
  MemoryAccount scratch;
  engine.forEachShard([&](const Shard& s) {
    if (const HostNameRecord* r = s.modules().app.names.find(ip)) merged.mergeFrom(*r, scratch);
  });
  return sortedNames(merged, scratch);
}

std::vector<std::vector<std::string>> alternativeNames(const Engine& engine, const std::vector<IpAddress>& ips,
                                                       size_t begin, size_t end) {
  end = std::min(end, ips.size());
  std::vector<HostNameRecord> merged(end > begin ? end - begin : 0);
  MemoryAccount scratch;
  engine.forEachShard([&](const Shard& s) {
    for (size_t i = begin; i < end; ++i)
      if (const HostNameRecord* r = s.modules().app.names.find(ips[i])) merged[i - begin].mergeFrom(*r, scratch);
  });
  std::vector<std::vector<std::string>> out;
  out.reserve(merged.size());
  for (HostNameRecord& m : merged) out.push_back(sortedNames(m, scratch));
  return out;
}

void writeAlternativeNames(query::JsonOut& j, const Engine& engine, const IpAddress& ip) {
  j.key("alternativeNames");
  j.beginArray();
  for (const std::string& name : alternativeNames(engine, ip)) j.value(name);
  j.endArray();
}

absl::flat_hash_set<IpAddress> ipsNamed(const Engine& engine, const query::RowFilter& filter) {
  absl::flat_hash_set<IpAddress> out;
  if (filter.isExpression() || filter.empty()) return out;
  // Merged first, so that only the names an IP row shows can match (a shard may still hold a name
  // that the merge of all shards has replaced by more recent ones).
  HostNameTable merged;
  MemoryAccount scratch;
  engine.forEachShard([&](const Shard& s) { merged.mergeFrom(s.modules().app.names, scratch); });
  merged.forEach([&](const IpAddress& ip, const HostNameRecord& r) {
    if (r.contains(filter.substring())) out.insert(ip);
  });
  return out;
}

}  // namespace netmeter
