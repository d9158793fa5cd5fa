#pragma once

#include <absl/container/flat_hash_set.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/ip_address.h"
#include "engine/engine.h"
#include "query/json_out.h"
#include "query/list_query.h"

namespace netmeter {

// Alternative names (modules/app/host_names.h) for the REST API: an IP's names are learned in the
// shards of the connections that revealed them, so they are merged over every shard on demand.

// The names of `ip`, most recent first (ties by name); empty when none is known.
std::vector<std::string> alternativeNames(const Engine& engine, const IpAddress& ip);
// The names of keys[begin..end) (as alternativeNames), with one lock round over the shards.
std::vector<std::vector<std::string>> alternativeNames(const Engine& engine, const std::vector<IpAddress>& ips,
                                                       size_t begin = 0, size_t end = SIZE_MAX);
// "alternativeNames": [...] for `ip`.
void writeAlternativeNames(query::JsonOut& j, const Engine& engine, const IpAddress& ip);
// The IPs one of whose names contains the substring filter's text (empty for other filters): what an
// IP list's substring filter matches besides the address itself.
absl::flat_hash_set<IpAddress> ipsNamed(const Engine& engine, const query::RowFilter& filter);

}  // namespace netmeter
