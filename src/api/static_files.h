#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "api/http_types.h"

namespace netmeter::api {

// Serves the files of one directory (the web UI's built assets) under a URL prefix, for GET and
// HEAD, without credentials:
// - the path is percent-decoded and must stay inside the directory: "..", ".", empty segments,
//   dot files, backslashes and NUL are refused, and symbolic links may not lead outside it;
// - a path without a file behind it is a route of the single-page app and gets index.html (SPA
//   fallback) when its last segment has no extension or the client asks for text/html (a browser
//   navigating to "/ips/10.0.0.1"); other missing files are 404;
// - content type from the extension; `assets/` files (Vite's content-hashed names) are cached for a
//   year as immutable, everything else must be revalidated (ETag from size and modification time,
//   If-None-Match answers 304);
// - compressible types larger than 1 KiB are gzip-compressed when the client accepts gzip; the
//   compressed body is computed once per file version and kept in memory.
class StaticFiles {
 public:
  StaticFiles(std::string urlPrefix, std::string directory);

  // Whether `path` (the raw request path) is under the URL prefix.
  bool covers(std::string_view path) const;

  // The response for a GET or HEAD of `request.path` (HEAD: the caller sends the headers only).
  Response serve(const Request& request) const;

  const std::string& directory() const { return directory_; }

  // Exposed for tests.
  static std::string_view contentTypeFor(std::string_view fileName);
  static std::string gzip(std::string_view data);

 private:
  struct Cached {
    std::string etag;
    std::string gzipped;
  };

  std::string urlPrefix_;  // "/" or "/ui" (no trailing slash except for the root)
  std::string directory_;  // canonical
  mutable std::mutex mutex_;
  mutable std::map<std::string, Cached> gzipCache_;  // file path -> compressed body of one version
};

}  // namespace netmeter::api
