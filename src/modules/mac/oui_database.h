#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/mac_address.h"

namespace netmeter {

// MAC address vendors from the IEEE registries as Debian's `ieee-data` package installs them:
// oui.csv (MA-L, 24-bit prefixes), mam.csv (MA-M, 28-bit), oui36.csv (MA-S, 36-bit) and iab.csv (IAB,
// 36-bit). Columns: Registry,Assignment,Organization Name,Organization Address (RFC 4180 quoting:
// quoted fields may hold commas, doubled quotes and line breaks). The prefix length is taken from the
// number of hex digits of the assignment (6, 7 or 9), so the file a row comes from does not matter.
//
// Loaded once at start-up, immutable afterwards: every const method may be called from many threads.
// Lookup is longest prefix first (36, 28, then 24 bits), a binary search in one sorted array of
// 8-byte entries per prefix length; vendor names are stored once each in a single string arena.
//
// Decisions:
// - Locally administered addresses (U/L bit set, e.g. randomized MACs of phones) have no vendor: vendor()
//   returns "". The registry lists a handful of pre-1990 blocks with that bit set (e.g. 02:60:8C, 3Com);
//   they are not loaded, since answering them would name a vendor for random addresses.
// - Group (multicast) addresses belong to the owner of the OUI with the I/G bit cleared
//   (01:00:0c:cc:cc:cc -> Cisco, 01:00:5e:... -> IANA). Registry rows with the I/G bit set in the
//   assignment are therefore unreachable and not loaded either.
// - When an assignment is listed twice (a few historic MA-L rows), the first row read wins; files are
//   read in the order oui.csv, mam.csv, oui36.csv, iab.csv.
// - Names are trimmed of surrounding white space; rows without a name or with a malformed assignment are
//   skipped and counted in skippedRows().
class OuiDatabase {
 public:
  static constexpr std::string_view kDefaultDirectory = "/usr/share/ieee-data";

  // Loads the four CSV files from `directory`. Never fails: a missing or unreadable directory or file
  // leaves the corresponding entries out and is described by loadError().
  static OuiDatabase load(const std::filesystem::path& directory = kDefaultDirectory);

  // The registered organization for `mac`, or "" when unknown or locally administered. The view stays
  // valid as long as this database.
  std::string_view vendor(const MacAddress& mac) const;

  // Why (part of) the database could not be loaded; empty when every file was read.
  const std::string& loadError() const { return loadError_; }
  // Assignments held (all prefix lengths).
  size_t size() const;
  bool empty() const { return size() == 0; }
  size_t skippedRows() const { return skippedRows_; }
  size_t memoryBytes() const;

 private:
  // Index of the prefix lengths 36, 28 and 24 bits in entries_.
  static constexpr int kPrefixBits[3] = {36, 28, 24};
  static constexpr int kNameBits = 24;

  // Per prefix length: (prefix << kNameBits) | name index, sorted.
  std::vector<uint64_t> entries_[3];
  std::string names_;                // all distinct names, concatenated
  std::vector<uint32_t> nameStart_;  // name i is names_[nameStart_[i], nameStart_[i + 1])
  std::string loadError_;
  size_t skippedRows_ = 0;
};

}  // namespace netmeter
