#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "api/http_types.h"
#include "api/router.h"
#include "api/tls.h"
#include "api/user_store.h"

namespace netmeter::api {

struct ServerOptions {
  std::string bindAddress = "127.0.0.1";  // IPv4/IPv6 literal or "localhost"
  uint16_t port = 8080;                   // 0: an ephemeral port (see Server::port())
  TlsMode tls = TlsMode::Auto;            // Auto: on unless bindAddress is loopback
  std::string certFile;                   // PEM; both empty: self-signed in <state>/tls/
  std::string keyFile;
  std::string stateDir;  // empty: $XDG_STATE_HOME/netmeter or ~/.local/state/netmeter

  unsigned ioThreads = 2;       // accept, TLS, parse and write; never run handlers
  unsigned handlerThreads = 4;  // handlers, password checks and stream producers

  size_t maxHeaderBytes = 8 * 1024;  // request line + headers; more: 431
  size_t maxBodyBytes = 1 << 20;     // default per route (RouteOptions::maxBodyBytes); more: 413
  size_t maxConnections = 1024;      // more: "503 Service Unavailable" then close
  size_t streamChunkBytes = 64 * 1024;

  // A client must finish its TLS handshake, its request headers (from its first byte) and its body
  // within these; an idle keep-alive connection is closed after idleTimeout; a write (one piece of a
  // response, one chunk of a stream) that the client does not take within writeTimeout ends the
  // connection, so a client that stops reading cannot pin memory.
  std::chrono::milliseconds tlsHandshakeTimeout{10'000};
  std::chrono::milliseconds headerTimeout{10'000};
  std::chrono::milliseconds bodyTimeout{30'000};
  std::chrono::milliseconds idleTimeout{60'000};
  std::chrono::milliseconds writeTimeout{30'000};
  std::chrono::milliseconds sessionIdleTimeout{30 * 60'000};

  bool builtinRoutes = true;  // /API/auth/{login,logout,me} and /API/system/users
  // Where messages for the operator go (first-start password, handler exceptions). Default: stderr.
  std::function<void(std::string_view)> log;
};

struct ServerStats {
  size_t activeConnections = 0;
  uint64_t acceptedConnections = 0;
  uint64_t refusedConnections = 0;
  uint64_t requests = 0;
};

// The HTTP(S) server. Register routes, then start(); stop() (or the destructor) closes everything.
//
//   Server server(options);
//   server.route(Method::Get, "/API/stats/modules/ip/ips/:ip", Role::ReadOnly,
//                [&](const Request& req) { return Response::json(render(req.param("ip"))); });
//   if (auto error = server.start()) { ... }
class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Before start() only. Throws std::invalid_argument on a malformed or duplicate pattern.
  void route(Method method, std::string_view pattern, Role role, Handler handler, RouteOptions options = {});

  // Before start() only. A route whose body is streamed to a BodySink (uploads) instead of being
  // collected into Request::body; `maxBodyBytes` bounds it (413 beyond). The sink's finish() answers.
  void uploadRoute(Method method, std::string_view pattern, Role role, BodySinkFactory factory,
                   uint64_t maxBodyBytes);

  // Before start() only. Serves the files of `directory` under `urlPrefix` ("/" for the web UI) to
  // GET and HEAD requests that no route takes, outside /API, without credentials; paths without a
  // file and without an extension get index.html (single-page app routes). See StaticFiles.
  void serveStatic(std::string urlPrefix, std::string directory);

  // Prepares the state directory, users (first-start admin) and TLS, binds and starts the threads.
  // nullopt on success, otherwise why it could not start.
  std::optional<std::string> start();
  void stop();

  uint16_t port() const;
  bool tlsEnabled() const;
  const std::string& stateDir() const;
  const std::string& certificateFile() const;  // the PEM in use when TLS is on
  UserStore& users();
  const FirstStart& firstStart() const;
  // The routes registered so far (fuzz/fuzz_api_routes.cpp answers requests through them directly).
  const Router& router() const;
  ServerStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace netmeter::api
