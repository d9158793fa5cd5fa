#include "api/static_files.h"

#include <zlib.h>

#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <utility>
#include <vector>

#include "api/errors.h"
#include "api/url.h"

namespace netmeter::api {

namespace fs = std::filesystem;

namespace {

constexpr uintmax_t kMaxFileBytes = 64u << 20;  // the UI's assets are far smaller
constexpr size_t kMinGzipBytes = 1024;

// The UI loads scripts, styles and images from itself only; styles may be set inline (charts).
constexpr const char* kHtmlSecurityPolicy =
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool compressible(std::string_view contentType) {
  return contentType.starts_with("text/") || contentType.starts_with("application/javascript") ||
         contentType.starts_with("application/json") || contentType.starts_with("image/svg+xml") ||
         contentType.starts_with("application/wasm") || contentType.starts_with("application/manifest+json");
}

bool acceptsGzip(const Request& request) {
  auto header = request.header("Accept-Encoding");
  if (!header) return false;
  // "gzip", "gzip;q=0.5", "deflate, gzip"; "gzip;q=0" refuses it.
  std::string_view h = *header;
  size_t pos = h.find("gzip");
  if (pos == std::string_view::npos) return false;
  std::string_view rest = h.substr(pos + 4);
  size_t end = rest.find(',');
  std::string_view params = rest.substr(0, end);
  return params.find("q=0") == std::string_view::npos || params.find("q=0.") != std::string_view::npos;
}

// Splits the decoded relative path into safe segments; false if any segment could escape or hide.
bool safeSegments(std::string_view decoded, std::vector<std::string>& segments) {
  size_t start = 0;
  while (start <= decoded.size()) {
    size_t end = decoded.find('/', start);
    if (end == std::string_view::npos) end = decoded.size();
    std::string_view seg = decoded.substr(start, end - start);
    if (!seg.empty()) {
      if (seg.front() == '.') return false;  // "..", ".", ".git", ".env"
      if (seg.find('\\') != std::string_view::npos || seg.find('\0') != std::string_view::npos) return false;
      segments.emplace_back(seg);
    }
    start = end + 1;
  }
  return true;
}

bool readFile(const fs::path& path, uintmax_t size, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.resize(static_cast<size_t>(size));
  in.read(out.data(), static_cast<std::streamsize>(size));
  return static_cast<uintmax_t>(in.gcount()) == size;
}

}  // namespace

StaticFiles::StaticFiles(std::string urlPrefix, std::string directory) : urlPrefix_(std::move(urlPrefix)) {
  if (urlPrefix_.empty() || urlPrefix_.front() != '/') urlPrefix_.insert(urlPrefix_.begin(), '/');
  while (urlPrefix_.size() > 1 && urlPrefix_.back() == '/') urlPrefix_.pop_back();
  std::error_code ec;
  fs::path canonical = fs::canonical(directory, ec);
  directory_ = ec ? std::move(directory) : canonical.string();
}

bool StaticFiles::covers(std::string_view path) const {
  if (urlPrefix_ == "/") return !path.empty() && path.front() == '/';
  if (!path.starts_with(urlPrefix_)) return false;
  return path.size() == urlPrefix_.size() || path[urlPrefix_.size()] == '/';
}

std::string_view StaticFiles::contentTypeFor(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 19> kTypes{{
      {".html", "text/html; charset=utf-8"},
      {".js", "application/javascript; charset=utf-8"},
      {".mjs", "application/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".wasm", "application/wasm"},
      {".csv", "text/csv; charset=utf-8"},
  }};
  for (const auto& [ext, type] : kTypes) {
    if (endsWith(name, ext)) return type;
  }
  return "application/octet-stream";
}

std::string StaticFiles::gzip(std::string_view data) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK) return {};
  std::string out;
  out.resize(deflateBound(&zs, static_cast<uLong>(data.size())) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return {};
  return out;
}

Response StaticFiles::serve(const Request& request) const {
  std::string_view raw = request.path;
  raw.remove_prefix(urlPrefix_ == "/" ? 0 : urlPrefix_.size());
  auto decoded = percentDecode(raw, false);
  std::vector<std::string> segments;
  if (!decoded || !safeSegments(*decoded, segments)) {
    return errorResponse(400, "bad file path " + request.path);
  }
  fs::path file = directory_;
  for (const auto& seg : segments) file /= seg;

  std::error_code ec;
  if (fs::is_directory(file, ec)) file /= "index.html";
  bool found = fs::is_regular_file(file, ec);
  if (found) {
    // A symbolic link inside the directory may not lead out of it.
    fs::path real = fs::canonical(file, ec);
    const std::string root = directory_ + "/";
    found = !ec && real.string().starts_with(root);
    if (found) file = real;
  }
  if (!found) {
    // A browser navigating to an app route (also "/ips/10.0.0.1") asks for HTML; a script or style
    // that is missing is a real 404.
    const auto accept = request.header("Accept");
    const bool looksLikeRoute = segments.empty() || segments.back().find('.') == std::string::npos ||
                                (accept && accept->find("text/html") != std::string_view::npos);
    if (!looksLikeRoute) return errorResponse(404, "no file at " + request.path);
    file = fs::path(directory_) / "index.html";
    if (!fs::is_regular_file(file, ec)) return errorResponse(404, "the web interface is not built (" +
                                                                     file.string() + " is missing)");
  }

  const uintmax_t size = fs::file_size(file, ec);
  if (ec) return errorResponse(404, "no file at " + request.path);
  if (size > kMaxFileBytes) return errorResponse(500, "file too large to serve");
  const auto mtime = fs::last_write_time(file, ec);
  const long long stamp = ec ? 0 : static_cast<long long>(mtime.time_since_epoch().count());
  const std::string etag = "\"" + std::to_string(size) + "-" + std::to_string(stamp) + "\"";
  const std::string name = file.filename().string();
  const std::string contentType(contentTypeFor(name));
  const bool hashedAsset = segments.size() >= 2 && segments[segments.size() - 2] == "assets" && found;

  Response response;
  response.contentType = contentType;
  response.headers.emplace_back("Cache-Control", hashedAsset ? "public, max-age=31536000, immutable"
                                                             : "no-cache");
  response.headers.emplace_back("ETag", etag);
  if (contentType.starts_with("text/html")) {
    response.headers.emplace_back("Content-Security-Policy", kHtmlSecurityPolicy);
    response.headers.emplace_back("X-Frame-Options", "DENY");
    response.headers.emplace_back("Referrer-Policy", "no-referrer");
  }
  const bool gz = compressible(contentType) && size >= kMinGzipBytes;
  if (gz) response.headers.emplace_back("Vary", "Accept-Encoding");

  if (auto inm = request.header("If-None-Match"); inm && *inm == etag) {
    response.status = 304;
    response.contentType.clear();
    return response;
  }

  std::string body;
  if (!readFile(file, size, body)) return errorResponse(500, "cannot read " + name);
  if (gz && acceptsGzip(request)) {
    std::lock_guard lock(mutex_);
    auto& cached = gzipCache_[file.string()];
    if (cached.etag != etag) {
      cached.etag = etag;
      cached.gzipped = gzip(body);
    }
    if (!cached.gzipped.empty()) {
      body = cached.gzipped;
      response.headers.emplace_back("Content-Encoding", "gzip");
    }
  }
  response.body = std::move(body);
  return response;
}

}  // namespace netmeter::api
