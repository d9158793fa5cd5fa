// The REST API's GET routes: every module's subtree (src/modules/*/*_api.cpp) and the system
// statistics (src/app/system_stats_routes.cpp), with what they share (src/query: time windows,
// paging, sorting, table filters and filter expressions, path parameters such as IPs and ids).
// Input: a request target, "/API/stats/modules/ip/ips_paged?sort=bytes&count=5". It is answered as
// `netmeter serve` answers it once the client is authenticated: target split, query string parsed,
// path routed, handler run, a streamed (CSV) body drained. The analysis behind the routes is a small
// generated trace (DNS, HTTP, TLS, QUIC, ...), analyzed once when the fuzzer starts.
//
// Every answer must be 2xx-4xx: a handler that throws (the server's 500) or answers 5xx has a bug,
// whatever the request. Error answers must be JSON objects with an "error" string.
#include <rapidjson/document.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "api/errors.h"
#include "api/server.h"
#include "api/url.h"
#include "app/system_stats_routes.h"
#include "engine/analysis.h"
#include "engine/analysis_slot.h"
#include "generate/trace_generator.h"
#include "io/capture_files.h"
#include "modules/module_routes.h"
#include "query/query_context.h"

namespace {

using namespace netmeter;

struct Api {
  std::shared_ptr<Analysis> analysis;
  std::unique_ptr<AnalysisSlot> slot;
  std::unique_ptr<query::QuerySource> source;
  std::unique_ptr<api::Server> server;
  // Entities of the trace that inputs name with placeholders ("{ip}"), so that the detail routes are
  // reached with keys that exist: placeholder -> value.
  std::vector<std::pair<std::string, std::string>> samples;
};

api::Response answer(const Api& api, std::string_view target);

[[noreturn]] void fail(const std::string& message) {
  std::fprintf(stderr, "fuzz_api_routes: %s\n", message.c_str());
  std::abort();
}

Api& routes() {
  static Api* api = [] {
    auto* a = new Api;
    const std::string path =
        (std::filesystem::temp_directory_path() / ("fuzz_api_routes." + std::to_string(getpid()) + ".pcap"))
            .string();
    GeneratorOptions options;
    options.packets = 4000;
    options.hosts = 40;
    options.servers = 20;
    options.connections = 300;
    options.packetsPerSecond = 40;  // 100 s of history: intervals, history points and roll-ups to read
    options.snapLength = 65535;     // whole payloads for the application analyzers
    const GeneratorResult generated = generateTrace(options, path);
    if (!generated.ok) fail("cannot generate the trace: " + generated.error);
    OpenResult opened = openCaptureFiles({path});
    if (!opened.source) fail("cannot open the generated trace");
    EngineOptions engine;
    engine.threads = 2;
    a->analysis =
        std::make_shared<Analysis>(std::move(opened.source), std::vector<std::string>{path}, engine);
    a->analysis->start();
    a->analysis->wait();
    std::filesystem::remove(path);
    a->slot = std::make_unique<AnalysisSlot>(a->analysis);
    a->source = std::make_unique<query::QuerySource>(query::QuerySource{*a->slot, nullptr, 1 << 20});
    a->server = std::make_unique<api::Server>(api::ServerOptions{});
    registerSystemStatsRoutes(*a->server, *a->source);
    registerModuleRoutes(*a->server, *a->source);
    // One of each: the busiest IP, a MAC, a connection id, a TLS server and port, an L7 protocol.
    const auto first = [&](std::string_view target, const char* list, const char* field) {
      const api::Response r = answer(*a, target);
      rapidjson::Document doc;
      doc.Parse(r.body.data(), r.body.size());
      if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember(list) || !doc[list].IsArray() ||
          doc[list].Empty() || !doc[list][0].HasMember(field))
        fail("no sample for " + std::string(target) + ": " + r.body.substr(0, 200));
      const auto& v = doc[list][0][field];
      return v.IsString() ? std::string(v.GetString()) : std::to_string(v.GetUint64());
    };
    a->samples = {
        {"{ip}",
         first("/API/stats/modules/ip/ips_paged?sort=bytes&reverse=true&count=1", "displayedItems", "ip")},
        {"{mac}", first("/API/stats/modules/mac/mac_paged?count=1", "displayedItems", "mac")},
        {"{id}", first("/API/stats/modules/ip/globalConnections?count=1", "displayedItems", "id")},
        {"{tlsip}", first("/API/stats/modules/ssl/servers?count=1", "displayedItems", "ip")},
        {"{tlsport}", first("/API/stats/modules/ssl/servers?count=1", "displayedItems", "port")},
        {"{protocol}", first("/API/stats/modules/dpi/protocols?count=1", "displayedItems", "name")},
    };
    return a;
  }();
  return *api;
}

void checkError(const api::Response& r, std::string_view target) {
  rapidjson::Document doc;
  doc.Parse(r.body.data(), r.body.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("error") || !doc["error"].IsString())
    fail("error answer " + std::to_string(r.status) + " to " + std::string(target) +
         " is not {\"error\": ...}: " + r.body);
}

// Answers `target` as the server would (see the top); the router's and the query string parser's
// refusals come back as error answers without a handler having run.
api::Response answer(const Api& api, std::string_view target) {
  std::string_view path;
  std::string_view query;
  api::splitTarget(target, path, query);
  auto match = api.server->router().match(api::Method::Get, path);
  if (match.outcome != api::Router::Outcome::Found) return api::errorResponse(404, "not routed");
  auto parsed = api::parseQuery(query);
  if (!parsed) return parsed.error().toResponse();
  api::Request req;
  req.method = api::Method::Get;
  req.path = std::string(path);
  req.query = std::move(*parsed);
  req.params = std::move(match.params);
  req.user = "fuzz";
  req.role = api::Role::Admin;
  req.clientAddress = "127.0.0.1";
  return match.route->handler(req);  // an exception aborts: the server would answer 500
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Api& api = routes();
  std::string target(reinterpret_cast<const char*>(data), size);
  for (const auto& [placeholder, value] : api.samples)
    for (size_t at = 0; (at = target.find(placeholder, at)) != std::string::npos; at += value.size())
      target.replace(at, placeholder.size(), value);
  api::Response r = answer(api, target);
  if (r.status >= 500 || r.status < 200)
    fail("answer " + std::to_string(r.status) + " to " + std::string(target));
  if (r.status >= 400) checkError(r, target);
  if (r.stream) {
    std::string chunk;
    for (int i = 0; i < 100000; ++i) {
      chunk.clear();
      const api::StreamStep step = r.stream->next(chunk, 64 * 1024);
      if (step != api::StreamStep::More) break;
    }
  }
  return 0;
}
