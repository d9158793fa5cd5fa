#include "modules/app/host_names.h"

#include <algorithm>

#include "core/text.h"
#include "modules/app/printable_text.h"

namespace netmeter {

namespace {

// Heap bytes a name holds beyond the record (short names live in the string itself).
int64_t heapBytes(const std::string& s) {
  return s.capacity() > 15 ? int64_t(s.capacity()) + 1 : 0;
}

bool olderThan(const HostName& a, PacketTime t, std::string_view name) {
  return a.lastSeen < t || (a.lastSeen == t && std::string_view(a.name) > name);
}

}  // namespace

std::string_view nameSourceName(NameSource source) {
  switch (source) {
    case NameSource::kDns:
      return "DNS";
    case NameSource::kHttp:
      return "HTTP";
    case NameSource::kTls:
      return "TLS";
  }
  return "unknown";
}

void HostNameRecord::learn(std::string_view name, NameSource source, PacketTime t, MemoryAccount& account) {
  const uint32_t hash = nameHash(name);
  for (uint8_t i = 0; i < count; ++i) {
    HostName& n = names[i];
    if (n.hash == hash && n.name == name) {
      if (t >= n.lastSeen) {
        n.source = t > n.lastSeen ? source : std::min(n.source, source);
        n.lastSeen = t;
        moveUp(i);
      }
      return;
    }
  }
  size_t slot = count;
  if (count == kMaxNames) {  // replace the least recently seen one, if this one is newer
    slot = 0;
    for (size_t i = 1; i < kMaxNames; ++i)
      if (olderThan(names[i], names[slot].lastSeen, names[slot].name)) slot = i;
    if (!olderThan(names[slot], t, name)) return;
  } else {
    ++count;
  }
  HostName& n = names[slot];
  account.add(-heapBytes(n.name));
  n.name.assign(name);
  n.hash = hash;
  account.add(heapBytes(n.name));
  n.source = source;
  n.lastSeen = t;
  moveUp(slot);  // the slot is the last one: a new name, or the least recent one's
}

// Names[i] became newer (or is new in the last slot) while the others stay in order: it moves
// towards the front to its place, which is what sorting the names again gives (usually no move).
void HostNameRecord::moveUp(size_t i) {
  for (; i > 0 && newerFirst(names[i], names[i - 1]); --i) std::swap(names[i], names[i - 1]);
}

// Newest first, then by name: the order does not depend on how shards were merged.
bool HostNameRecord::newerFirst(const HostName& a, const HostName& b) {
  return a.lastSeen != b.lastSeen ? a.lastSeen > b.lastSeen : a.name < b.name;
}

bool HostNameRecord::contains(std::string_view needle) const {
  for (uint8_t i = 0; i < count; ++i) {
    const std::string& hay = names[i].name;
    auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(),
                          [](char a, char b) { return asciiLower(a) == asciiLower(b); });
    if (it != hay.end() || needle.empty()) return true;
  }
  return false;
}

void HostNameRecord::release(MemoryAccount& account) {
  for (uint8_t i = 0; i < count; ++i) {
    account.add(-heapBytes(names[i].name));
    std::string().swap(names[i].name);
  }
  count = 0;
}

void HostNameTable::learn(const IpAddress& ip, std::string_view name, NameSource source, PacketTime t,
                          const void** hint, MemoryAccount& account) {
  if (name.empty() || name.size() > kMaxNameLength) return;
  std::array<char, kMaxNameLength> lowered;
  for (size_t i = 0; i < name.size(); ++i) lowered[i] = printableByte(asciiLower(name[i]));
  HostNameRecord& r = table_.findOrCreateHinted(ip, hint, account);
  r.touch(t);
  r.learn(std::string_view(lowered.data(), name.size()), source, t, account);
}

}  // namespace netmeter
