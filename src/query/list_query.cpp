#include "query/list_query.h"

#include <cctype>

namespace netmeter::query {

namespace {
std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}
}  // namespace

api::Expected<ListParams> parseListParams(const api::Request& req, const std::vector<std::string_view>& columns,
                                          std::string_view defaultSort) {
  ListParams p;
  const std::string sort = lower(req.queryValue("sort").value_or(defaultSort));
  bool known = false;
  for (std::string_view c : columns) known = known || lower(c) == sort;
  if (!known) {
    std::string allowed;
    for (std::string_view c : columns) {
      if (!allowed.empty()) allowed += ", ";
      allowed += c;
    }
    return api::badParameter("sort", "unknown sort column '" + sort + "'; one of: " + allowed);
  }
  p.sort = sort;
  auto reverse = api::boolParam(req, "reverse", false);
  if (!reverse) return reverse.error();
  p.reverse = *reverse;
  auto csv = api::boolParam(req, "csv", false);
  if (!csv) return csv.error();
  p.csv = *csv;
  auto page = api::intParam(req, "page", 0, int64_t{1} << 31, 0);
  if (!page) return page.error();
  p.page = size_t(*page);
  // The reference's maximum is 100 rows per page, and its own examples ask for count=9999: a larger
  // count gets 100 rows (the answer's "count" says so), as there; 0, negative or text is an error.
  auto count = api::intParam(req, "count", 1, int64_t{1} << 31, 10);
  if (!count) return count.error();
  p.count = size_t(std::min<int64_t>(*count, kMaxPageRows));
  p.filter = std::string(req.queryValue("filter").value_or(""));
  return p;
}

api::Expected<std::shared_ptr<RowFilter>> RowFilter::parse(std::string_view text) {
  auto f = std::make_shared<RowFilter>();
  size_t start = 0;
  while (start < text.size() && std::isspace(static_cast<unsigned char>(text[start]))) ++start;
  if (start < text.size() && text[start] == '(') {
    auto compiled = filter::Filter::compile(text);
    if (!compiled.ok())
      return api::badParameter("filter", "bad filter expression: " + compiled.error.toString());
    f->expression_ = std::move(*compiled.filter);
  } else {
    f->substring_ = lower(text);
  }
  return f;
}

std::optional<api::ApiError> refuseFilter(const ListParams& p) {
  auto filter = RowFilter::parse(p.filter);
  if (!filter) return filter.error();
  if ((*filter)->empty()) return std::nullopt;
  return api::badParameter("filter", "this list takes no filter");
}

bool RowFilter::containsText(std::string_view haystack) const {
  if (substring_.empty()) return true;
  if (haystack.size() < substring_.size()) return false;
  for (size_t i = 0; i + substring_.size() <= haystack.size(); ++i) {
    size_t k = 0;
    while (k < substring_.size() &&
           char(std::tolower(static_cast<unsigned char>(haystack[i + k]))) == substring_[k])
      ++k;
    if (k == substring_.size()) return true;
  }
  return false;
}

void beginPagedList(JsonOut& j, const ListParams& p, size_t total, const TimeWindow& w) {
  j.beginObject();
  j.field("sort", p.sort);
  j.field("reverse", p.reverse);
  j.field("page", uint64_t(p.page));
  j.field("count", uint64_t(p.count));
  j.field("totalItems", uint64_t(total));
  j.field("starttime", w.fromSecond);
  j.field("endtime", w.toSecond);
  j.key("displayedItems");
  j.beginArray();
}

void endPagedList(JsonOut& j) {
  j.endArray();
  j.endObject();
}

void appendCsvField(std::string& out, std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += field;
    return;
  }
  out += '"';
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

}  // namespace netmeter::query
