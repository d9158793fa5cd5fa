#include "modules/capture/capture_api.h"

#include <sys/stat.h>

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "api/json_util.h"

namespace netmeter {

namespace {

api::Response fromError(const std::optional<api::ApiError>& error) {
  if (error) return error->toResponse();
  return api::Response::noContent();
}

// A file name in the captures directory: a single plain component.
bool safeFileName(std::string_view name) {
  if (name.empty() || name.size() > 255 || name == "." || name == ".." || name.front() == '.') return false;
  for (char c : name)
    if (c == '/' || c == '\\' || c == '\0') return false;
  return true;
}

std::string filesJson(const std::string& dir) {
  api::JsonBuilder j;
  j.beginObject().key("files").beginArray();
  std::error_code ec;
  std::vector<std::filesystem::directory_entry> entries;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.is_regular_file(ec) && safeFileName(e.path().filename().string())) entries.push_back(e);
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.path().filename() < b.path().filename(); });
  for (const auto& e : entries) {
    struct stat st {};
    if (::stat(e.path().c_str(), &st) != 0) continue;
    j.beginObject();
    j.field("name", std::string_view(e.path().filename().string()));
    j.field("size", uint64_t(st.st_size));
    j.field("modified", int64_t(st.st_mtim.tv_sec) * 1000000 + st.st_mtim.tv_nsec / 1000);
    j.endObject();
  }
  j.endArray().endObject();
  return j.str();
}

api::Response notReady() { return api::errorResponse(503, "the capture store is not ready"); }

}  // namespace

void registerCaptureRoutes(api::Server& server, CaptureService& service) {
  CaptureService* c = &service;
  using api::Method;
  using api::Role;

  server.route(Method::Get, "/API/data/modules/capture", Role::Pcap, [c](const api::Request& req) {
    std::shared_ptr<Analysis> analysis = c->currentAnalysis();
    auto params = c->parse(req, *analysis);
    if (!params) return params.errorResponse();
    return c->start(req, *params, std::move(analysis));
  });
  server.route(Method::Get, "/API/data/modules/capture/files/:name", Role::Pcap, [c](const api::Request& req) {
    if (!c->isOpen()) return notReady();
    const std::string name(req.param("name"));
    if (!safeFileName(name)) return api::badParameter("name", "not a capture file name").toResponse();
    const std::string path = c->mediaDir() + "/" + name;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
      return api::notFound("no capture file '" + name + "'").toResponse();
    std::shared_ptr<std::FILE> file(std::fopen(path.c_str(), "rb"), [](std::FILE* f) {
      if (f) std::fclose(f);
    });
    if (!file) return api::errorResponse(500, "cannot read '" + name + "'");
    auto producer = api::makeProducer([file](std::string& out, size_t maxBytes) {
      out.resize(maxBytes);
      const size_t n = std::fread(out.data(), 1, maxBytes, file.get());
      out.resize(n);
      if (n == maxBytes) return api::StreamStep::More;
      return std::ferror(file.get()) ? api::StreamStep::Abort : api::StreamStep::Done;
    });
    const bool zip = name.ends_with(".zip");
    const bool pcapng = name.ends_with(".pcapng");
    return api::Response::streamed(std::move(producer), zip      ? "application/zip"
                                                        : pcapng ? "application/x-pcapng"
                                                                 : "application/vnd.tcpdump.pcap")
        .withHeader("Content-Disposition", "attachment; filename=\"" + name + "\"");
  });

  const std::string base = "/API/stats/modules/capture";
  server.route(Method::Get, base + "/captures", Role::ReadOnly,
               [c](const api::Request&) { return api::Response::json(c->listJson()); });
  server.route(Method::Delete, base + "/captures/:id", Role::Pcap, [c](const api::Request& req) {
    uint64_t id = 0;
    const std::string_view text = req.param("id");
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc() || ptr != text.data() + text.size()) return api::notFound("no capture '" + std::string(text) + "'").toResponse();
    return fromError(c->stop(id, req));
  });
  server.route(Method::Get, base + "/recent", Role::ReadOnly, [c](const api::Request& req) {
    if (!c->isOpen()) return notReady();
    return api::Response::json(c->store().recentJson(req.user));
  });
  server.route(Method::Delete, base + "/recent", Role::Pcap, [c](const api::Request& req) {
    if (!c->isOpen()) return notReady();
    return fromError(c->store().clearRecent(req.user));
  });
  server.route(Method::Get, base + "/favorites", Role::ReadOnly, [c](const api::Request& req) {
    if (!c->isOpen()) return notReady();
    return api::Response::json(c->store().favoritesJson(req.user));
  });
  server.route(Method::Post, base + "/favorites", Role::Pcap, [c](const api::Request& req) {
    if (!c->isOpen()) return notReady();
    auto added = c->store().addFavorite(req.user, req.body);
    if (!added) return added.errorResponse();
    return api::Response::json(*added, 201);
  });
  server.route(Method::Delete, base + "/favorites", Role::Pcap, [c](const api::Request& req) {
    if (!c->isOpen()) return notReady();
    return fromError(c->store().removeFavorite(req.user, ""));
  });
  server.route(Method::Delete, base + "/favorites/:id", Role::Pcap, [c](const api::Request& req) {
    if (!c->isOpen()) return notReady();
    return fromError(c->store().removeFavorite(req.user, req.param("id")));
  });
  server.route(Method::Get, base + "/profiles", Role::ReadOnly, [c](const api::Request&) {
    if (!c->isOpen()) return notReady();
    return api::Response::json(c->store().profilesJson());
  });
  server.route(Method::Post, base + "/profiles", Role::Pcap, [c](const api::Request& req) {
    if (!c->isOpen()) return notReady();
    auto put = c->store().putProfile("", req.body);
    if (!put) return put.errorResponse();
    return api::Response::json(*put, 201);
  });
  server.route(Method::Get, base + "/profiles/:id", Role::ReadOnly, [c](const api::Request& req) {
    if (!c->isOpen()) return notReady();
    auto p = c->store().profileJson(req.param("id"));
    if (!p) return p.errorResponse();
    return api::Response::json(*p);
  });
  server.route(Method::Put, base + "/profiles/:id", Role::Pcap, [c](const api::Request& req) {
    if (!c->isOpen()) return notReady();
    auto put = c->store().putProfile(req.param("id"), req.body);
    if (!put) return put.errorResponse();
    return api::Response::json(*put);
  });
  server.route(Method::Delete, base + "/profiles/:id", Role::Pcap, [c](const api::Request& req) {
    if (!c->isOpen()) return notReady();
    return fromError(c->store().removeProfile(req.param("id")));
  });
  server.route(Method::Get, base + "/files", Role::ReadOnly, [c](const api::Request&) {
    if (!c->isOpen()) return notReady();
    return api::Response::json(filesJson(c->mediaDir()));
  });
}

}  // namespace netmeter
