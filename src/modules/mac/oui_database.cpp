#include "modules/mac/oui_database.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>
#include <unordered_map>

#include "core/text.h"

namespace netmeter {
namespace {

constexpr const char* kFiles[] = {"oui.csv", "mam.csv", "oui36.csv", "iab.csv"};

// Calls onRecord(fields) for every record of RFC 4180 CSV text: fields separated by commas, records by
// CRLF or LF; a quoted field may hold commas, line breaks and doubled quotes.
template <typename OnRecord>
void parseCsv(std::string_view text, OnRecord&& onRecord) {
  std::vector<std::string> fields;
  std::string field;
  bool quoted = false;  // inside a quoted field
  bool fieldStarted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c != '"')
        field += c;
      else if (i + 1 < text.size() && text[i + 1] == '"')
        field += text[++i];
      else
        quoted = false;
      continue;
    }
    if (c == '"' && !fieldStarted) {
      quoted = fieldStarted = true;
    } else if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
      fieldStarted = false;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      fields.push_back(std::move(field));
      field.clear();
      fieldStarted = false;
      if (!(fields.size() == 1 && fields[0].empty())) onRecord(fields);  // skip blank lines
      fields.clear();
    } else {
      field += c;
      fieldStarted = true;
    }
  }
  if (fieldStarted || !fields.empty()) {
    fields.push_back(std::move(field));
    onRecord(fields);
  }
}

// Hex assignment of 6, 7 or 9 digits -> (prefix, index into kPrefixBits); false when malformed.
bool parseAssignment(std::string_view text, uint64_t& prefix, int& length) {
  text = trimWhitespace(text);
  switch (text.size()) {
    case 9:
      length = 0;
      break;
    case 7:
      length = 1;
      break;
    case 6:
      length = 2;
      break;
    default:
      return false;
  }
  prefix = 0;
  for (char c : text) {
    int d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      d = c - 'A' + 10;
    else
      return false;
    prefix = (prefix << 4) | static_cast<uint64_t>(d);
  }
  return true;
}

}  // namespace

OuiDatabase OuiDatabase::load(const std::filesystem::path& directory) {
  OuiDatabase db;
  std::error_code ec;
  if (!std::filesystem::is_directory(directory, ec)) {
    db.loadError_ = "OUI database directory " + directory.string() + " not found (install package ieee-data)";
    return db;
  }
  std::unordered_map<std::string, uint32_t> nameIndex;
  const auto addRow = [&](std::string_view assignment, std::string_view rawName) {
    uint64_t prefix;
    int length;
    const std::string_view name = trimWhitespace(rawName);
    if (name.empty() || !parseAssignment(assignment, prefix, length)) {
      ++db.skippedRows_;
      return;
    }
    const int bits = kPrefixBits[length];
    const uint64_t firstByte = prefix >> (bits - 8);
    if ((firstByte & 0x03) != 0) {  // locally administered or group: unreachable, see the header
      ++db.skippedRows_;
      return;
    }
    auto [it, inserted] = nameIndex.try_emplace(std::string(name), static_cast<uint32_t>(nameIndex.size()));
    if (inserted) {
      if (it->second >= (uint32_t{1} << kNameBits)) {
        nameIndex.erase(it);
        ++db.skippedRows_;
        return;
      }
      db.nameStart_.push_back(static_cast<uint32_t>(db.names_.size()));
      db.names_ += name;
    }
    db.entries_[length].push_back((prefix << kNameBits) | it->second);
  };

  std::string missing;
  for (const char* name : kFiles) {
    const auto file = directory / name;
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      missing += (missing.empty() ? "" : ", ") + file.string();
      continue;
    }
    std::ostringstream text;
    text << in.rdbuf();
    bool header = true;
    parseCsv(text.str(), [&](const std::vector<std::string>& fields) {
      if (std::exchange(header, false) && !fields.empty() && trimWhitespace(fields[0]) == "Registry") return;
      if (fields.size() < 3) {
        ++db.skippedRows_;
        return;
      }
      addRow(fields[1], fields[2]);
    });
  }
  if (!missing.empty()) db.loadError_ = "cannot read " + missing;
  db.nameStart_.push_back(static_cast<uint32_t>(db.names_.size()));

  for (auto& entries : db.entries_) {
    // Sort by prefix, keeping file order among duplicates, then keep the first of each prefix.
    std::stable_sort(entries.begin(), entries.end(),
                     [](uint64_t a, uint64_t b) { return (a >> kNameBits) < (b >> kNameBits); });
    entries.erase(std::unique(entries.begin(), entries.end(),
                              [](uint64_t a, uint64_t b) { return (a >> kNameBits) == (b >> kNameBits); }),
                  entries.end());
    entries.shrink_to_fit();
  }
  db.names_.shrink_to_fit();
  db.nameStart_.shrink_to_fit();
  return db;
}

std::string_view OuiDatabase::vendor(const MacAddress& mac) const {
  if ((mac.bytes[0] & 0x02) != 0) return {};                        // locally administered
  const uint64_t address = mac.asInteger() & ~(uint64_t{1} << 40);  // group bit: the OUI's owner
  for (int i = 0; i < 3; ++i) {
    const auto& entries = entries_[i];
    const uint64_t key = address >> (48 - kPrefixBits[i]);
    const auto it = std::lower_bound(entries.begin(), entries.end(), key << kNameBits);
    if (it != entries.end() && (*it >> kNameBits) == key) {
      const uint64_t name = *it & ((uint64_t{1} << kNameBits) - 1);
      return std::string_view(names_).substr(nameStart_[name], nameStart_[name + 1] - nameStart_[name]);
    }
  }
  return {};
}

size_t OuiDatabase::size() const {
  return entries_[0].size() + entries_[1].size() + entries_[2].size();
}

size_t OuiDatabase::memoryBytes() const {
  size_t bytes = names_.capacity() + nameStart_.capacity() * sizeof(uint32_t);
  for (const auto& entries : entries_) bytes += entries.capacity() * sizeof(uint64_t);
  return bytes;
}

}  // namespace netmeter
