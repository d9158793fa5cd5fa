#pragma once

// Internal to the server: state shared by the acceptor and every connection. Includes Asio; only
// server.cpp and http_connection.h include it.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <memory>
#include <mutex>
#include <string_view>

#include "api/auth.h"
#include "api/dashboard_store.h"
#include "api/router.h"
#include "api/server.h"
#include "api/static_files.h"

namespace netmeter::api::detail {

struct ServerCore {
  ServerOptions options;
  Router router;
  std::unique_ptr<UserStore> users;
  std::unique_ptr<Authenticator> auth;
  std::unique_ptr<boost::asio::ssl::context> ssl;  // null: plain HTTP
  std::unique_ptr<boost::asio::io_context> io;
  std::unique_ptr<boost::asio::thread_pool> handlers;
  std::unique_ptr<StaticFiles> staticFiles;  // null: no web UI
  std::unique_ptr<DashboardStore> dashboards;

  std::atomic<size_t> activeConnections{0};
  std::atomic<uint64_t> acceptedConnections{0};
  std::atomic<uint64_t> refusedConnections{0};
  std::atomic<uint64_t> requests{0};

  std::mutex logMutex;
  void log(std::string_view message) {
    std::lock_guard lock(logMutex);
    if (options.log) {
      options.log(message);
    } else {
      std::fwrite(message.data(), 1, message.size(), stderr);
      std::fputc('\n', stderr);
    }
  }
};

}  // namespace netmeter::api::detail
