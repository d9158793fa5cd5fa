#include "query/json_rows_csv.h"

#include <rapidjson/document.h>

#include <array>
#include <charconv>
#include <span>

namespace netmeter::query {

namespace {

bool isCounterArray(std::string_view field) {
  return field == "allTime" || field == "interval" || field == "lastSecond" || field == "intervalPerSecond";
}

std::string counterName(size_t width, size_t i) {
  static constexpr std::array<const char*, 2> kUndirected = {"packets", "bytes"};
  static constexpr std::array<const char*, 4> kDirected = {"rxPackets", "rxBytes", "txPackets", "txBytes"};
  if (width == 2) return kUndirected[i];
  if (width >= 4 && i < 4) return kDirected[i];
  return std::to_string(i);
}

bool isScalar(const rapidjson::Value& v) {
  return !v.IsObject() && !v.IsArray();
}

// The object's members as an array: comparing rapidjson's member iterators is ambiguous in C++20
// (clang's -Wambiguous-reversed-operator), as api/dashboard_store.cpp notes.
std::span<const rapidjson::Value::Member> membersOf(const rapidjson::Value& object) {
  if (object.MemberCount() == 0) return {};
  return {&*object.MemberBegin(), object.MemberCount()};
}

const rapidjson::Value* member(const rapidjson::Value& object, std::string_view name) {
  for (const auto& m : membersOf(object))
    if (std::string_view(m.name.GetString(), m.name.GetStringLength()) == name) return &m.value;
  return nullptr;
}

// A scalar's text; a string quoted as a CSV field when `asField` (else as is: part of a joined cell,
// which is quoted as a whole).
void appendScalar(std::string& out, const rapidjson::Value& v, bool asField) {
  if (v.IsString()) {
    const std::string_view text(v.GetString(), v.GetStringLength());
    if (asField) {
      appendCsvField(out, text);
    } else {
      out += text;
    }
  } else if (v.IsBool()) {
    out += v.GetBool() ? "true" : "false";
  } else if (v.IsUint64()) {
    out += std::to_string(v.GetUint64());
  } else if (v.IsInt64()) {
    out += std::to_string(v.GetInt64());
  } else if (v.IsNumber()) {
    std::array<char, 32> text{};
    const auto end = std::to_chars(text.data(), text.data() + text.size(), v.GetDouble()).ptr;
    out.append(text.data(), end);
  }  // null: an empty cell
}

}  // namespace

void JsonRowsCsv::add(std::string_view rowJson) {
  rapidjson::Document row;
  row.Parse(rowJson.data(), rowJson.size());
  if (row.HasParseError() || !row.IsObject()) return;
  if (!haveColumns_) {
    haveColumns_ = true;
    for (const auto& m : membersOf(row)) {
      const std::string field(m.name.GetString(), m.name.GetStringLength());
      const rapidjson::Value& v = m.value;
      if (v.IsArray() && isCounterArray(field) && !v.Empty() && v[0].IsNumber()) {
        for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
          columns_.push_back({field, int(i)});
          addHeader(field + "_" + counterName(v.Size(), i));
        }
      } else if (isScalar(v) || (v.IsArray() && (v.Empty() || isScalar(v[0])))) {
        columns_.push_back({field, -1});
        addHeader(field);
      }
    }
    header_ += "\r\n";
  }
  bool first = true;
  for (const Column& c : columns_) {
    if (!first) rows_ += ',';
    first = false;
    const rapidjson::Value* found = member(row, c.field);
    if (found == nullptr) continue;
    const rapidjson::Value& v = *found;
    if (c.index >= 0) {
      if (v.IsArray() && rapidjson::SizeType(c.index) < v.Size() && isScalar(v[c.index]))
        appendScalar(rows_, v[c.index], true);
    } else if (isScalar(v)) {
      appendScalar(rows_, v, true);
    } else if (v.IsArray()) {
      std::string joined;
      for (const auto& e : v.GetArray()) {
        if (!isScalar(e)) continue;
        if (!joined.empty()) joined += ' ';
        appendScalar(joined, e, false);
      }
      appendCsvField(rows_, joined);
    }
  }
  rows_ += "\r\n";
}

void JsonRowsCsv::addHeader(std::string_view name) {
  if (!header_.empty()) header_ += ',';
  appendCsvField(header_, name);
}

std::string JsonRowsCsv::take() {
  std::string out = std::move(header_);
  out += rows_;
  header_.clear();
  rows_.clear();
  return out;
}

api::Response csvDocument(std::string body, std::string_view fileName) {
  return std::move(
      api::Response::text(std::move(body), "text/csv; charset=utf-8")
          .withHeader("Content-Disposition", "attachment; filename=\"" + std::string(fileName) + "\""));
}

}  // namespace netmeter::query
