#include "report/http_csv.h"

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "modules/dpi/ndpi_classifier.h"
#include "modules/http/http_module.h"

namespace netmeter {

namespace {

void csvField(std::FILE* out, std::string_view v) {
  const bool quote = v.find_first_of(",\"\r\n") != std::string_view::npos;
  if (!quote) {
    std::fwrite(v.data(), 1, v.size(), out);
    return;
  }
  std::fputc('"', out);
  for (char c : v) {
    if (c == '"') std::fputc('"', out);
    std::fputc(c, out);
  }
  std::fputc('"', out);
}

struct Row {
  const Connection* connection;
  const HttpTransaction* transaction;
};

}  // namespace

void writeHttpTransactionsCsv(const Engine& engine, bool all, std::FILE* out) {
  std::fputs(
      "clientIp,clientPort,serverIp,serverPort,start,l7Protocol,requestTime,method,host,url,status,"
      "responseTimeNs\n",
      out);
  // Rendered after the workers have finished (the CLI), so rows may point into the shards.
  std::vector<Row> rows;
  engine.forEachShard([&](const Shard& shard) {
    shard.flows().forEach([&](const Connection& c) {
      const auto* transactions = HttpModule::transactions(c);
      if (transactions == nullptr || transactions->empty()) return;
      for (size_t i = all ? 0 : transactions->size() - 1; i < transactions->size(); ++i)
        rows.push_back({&c, &(*transactions)[i]});
    });
  });
  std::stable_sort(rows.begin(), rows.end(), [](const Row& x, const Row& y) {
    const Connection& a = *x.connection;
    const Connection& b = *y.connection;
    return std::tie(a.start, a.clientIp, a.clientPort, a.serverIp, a.serverPort, x.transaction->requestTime) <
           std::tie(b.start, b.clientIp, b.clientPort, b.serverIp, b.serverPort, y.transaction->requestTime);
  });
  for (const Row& row : rows) {
    const Connection& c = *row.connection;
    const HttpTransaction& t = *row.transaction;
    std::fprintf(out, "%s,%u,%s,%u,%lld,", c.clientIp.toString().c_str(), unsigned(c.clientPort),
                 c.serverIp.toString().c_str(), unsigned(c.serverPort), static_cast<long long>(c.start));
    csvField(out, l7DisplayName(c.app.l7));
    std::fprintf(out, ",%lld,", static_cast<long long>(t.requestTime));
    csvField(out, t.method);
    std::fputc(',', out);
    csvField(out, t.host);
    std::fputc(',', out);
    csvField(out, t.url);
    std::fputc(',', out);
    if (t.status) std::fprintf(out, "%u", unsigned(t.status));
    std::fputc(',', out);
    if (t.responseTime >= 0) std::fprintf(out, "%lld", static_cast<long long>(t.responseTime));
    std::fputc('\n', out);
  }
}

}  // namespace netmeter
