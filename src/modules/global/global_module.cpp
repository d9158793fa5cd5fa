#include "modules/global/global_module.h"

namespace netmeter {

void GlobalModule::onPacket(const DecodedPacket& p, MemoryAccount& account) {
  const std::array<uint64_t, 2> one{1, p.wireLength};
  total_.add(p.timestamp, one, account);
  const L3Class l3 = p.ipVersion == 4 ? L3Class::kIpv4 : p.ipVersion == 6 ? L3Class::kIpv6 : L3Class::kNonIp;
  l3_[static_cast<size_t>(l3)].add(p.timestamp, one, account);
  if (p.ipVersion != 0) l4Cache_.get(l4_, p.l4Protocol, p.l4Protocol, account).add(p.timestamp, one, account);
  if (p.isFragment && p.fragmentIpVersion == 4) ipv4Fragments_.add(p.timestamp, one, account);
  ++malformed_[static_cast<size_t>(p.malformed)];
}

void GlobalModule::compact(int64_t nowSecond, const RetentionPolicy& policy, MemoryAccount& account) {
  total_.compact(nowSecond, policy, account);
  for (auto& r : l3_) r.compact(nowSecond, policy, account);
  l4_.forEach([&](uint8_t, TrafficRecord<2>& r) { r.compact(nowSecond, policy, account); });
  ipv4Fragments_.compact(nowSecond, policy, account);
}

void GlobalModule::dropBefore(int64_t second, MemoryAccount& account) {
  total_.dropBefore(second, account);
  for (auto& r : l3_) r.dropBefore(second, account);
  l4_.forEach([&](uint8_t, TrafficRecord<2>& r) { r.dropBefore(second, account); });
  ipv4Fragments_.dropBefore(second, account);
}

void GlobalModule::mergeFrom(const GlobalModule& o, MemoryAccount& account) {
  total_.mergeFrom(o.total_, account);
  for (size_t i = 0; i < l3_.size(); ++i) l3_[i].mergeFrom(o.l3_[i], account);
  o.l4_.forEach([&](uint8_t k, const TrafficRecord<2>& r) { l4_.findOrCreate(k, account).mergeFrom(r, account); });
  ipv4Fragments_.mergeFrom(o.ipv4Fragments_, account);
  for (size_t i = 0; i < malformed_.size(); ++i) malformed_[i] += o.malformed_[i];
}

}  // namespace netmeter
