#include "api/server.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <thread>
#include <vector>

#include "api/builtin_routes.h"
#include "api/http_connection.h"
#include "api/state_dir.h"

namespace netmeter::api {

using detail::HttpConnection;
using detail::PlainStream;
using detail::ServerCore;
using detail::tcp;
using detail::TlsStream;

namespace net = boost::asio;

namespace {

// Connections beyond maxConnections are answered with 503 while there are fewer than this many of
// them; past that they are closed without a word (they would cost more than they are worth).
constexpr size_t kRefusalSlots = 64;

}  // namespace

struct Server::Impl {
  std::shared_ptr<ServerCore> core = std::make_shared<ServerCore>();
  std::optional<tcp::acceptor> acceptor;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::vector<std::thread> ioThreads;
  std::string stateDir;
  std::string certFile;
  FirstStart firstStart;
  uint16_t port = 0;
  bool running = false;
  bool started = false;  // a Server starts once

  std::optional<std::string> setUpUsers();
  std::optional<std::string> setUpTls();
  void accept();
};

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>()) {
  if (options.ioThreads == 0) options.ioThreads = 1;
  if (options.handlerThreads == 0) options.handlerThreads = 1;
  if (options.streamChunkBytes == 0) options.streamChunkBytes = 64 * 1024;
  impl_->core->options = std::move(options);
}

Server::~Server() {
  stop();
}

void Server::route(Method method, std::string_view pattern, Role role, Handler handler,
                   RouteOptions options) {
  impl_->core->router.add(method, pattern, role, std::move(handler), options);
}

void Server::uploadRoute(Method method, std::string_view pattern, Role role, BodySinkFactory factory,
                         uint64_t maxBodyBytes) {
  RouteOptions options;
  options.maxBodyBytes = size_t(maxBodyBytes);
  options.bodySink = std::move(factory);
  // The handler is never called for a route with a body sink.
  impl_->core->router.add(
      method, pattern, role, [](const Request&) { return errorResponse(500, "internal error"); }, options);
}

void Server::serveStatic(std::string urlPrefix, std::string directory) {
  impl_->core->staticFiles = std::make_unique<StaticFiles>(std::move(urlPrefix), std::move(directory));
}

std::optional<std::string> Server::Impl::setUpUsers() {
  std::string error;
  stateDir = prepareStateDir(core->options.stateDir, error);
  if (stateDir.empty()) return error;
  core->users = std::make_unique<UserStore>(stateDir);
  if (!core->users->load(error)) return error;
  if (!core->users->ensureAdmin(firstStart, error)) return error;
  if (firstStart.createdAdmin) {
    if (firstStart.passwordFromEnvironment) {
      core->log("netmeter: created user 'admin' with the password from NETMETER_ADMIN_PASSWORD");
    } else {
      core->log("netmeter: created user 'admin' with password " + firstStart.password +
                "\nnetmeter: it is shown only this once and kept in " + firstStart.passwordFile +
                " (readable only by you); change it with 'netmeter user passwd admin'");
    }
  }
  core->auth = std::make_unique<Authenticator>(*core->users, core->options.sessionIdleTimeout);
  return std::nullopt;
}

std::optional<std::string> Server::Impl::setUpTls() {
  const auto& o = core->options;
  if (!tlsEnabledFor(o.tls, o.bindAddress)) return std::nullopt;
  std::string keyFile = o.keyFile;
  certFile = o.certFile;
  if (certFile.empty() != keyFile.empty()) return std::string("--cert and --key go together");
  if (certFile.empty()) {
    CertificateFiles files;
    std::string error;
    if (!ensureSelfSignedCertificate(stateDir, files, error)) return error;
    if (files.created) core->log("netmeter: created a self-signed TLS certificate " + files.certFile);
    certFile = files.certFile;
    keyFile = files.keyFile;
  }
  auto ctx = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
  ctx->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                   net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1 |
                   net::ssl::context::single_dh_use);
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(certFile, ec);
  if (ec) return "cannot use certificate " + certFile + ": " + ec.message();
  ctx->use_private_key_file(keyFile, net::ssl::context::pem, ec);
  if (ec) return "cannot use key " + keyFile + ": " + ec.message();
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    return "key " + keyFile + " does not match certificate " + certFile;
  }
  core->ssl = std::move(ctx);
  return std::nullopt;
}

std::optional<std::string> Server::start() {
  if (impl_->started) return std::string("a Server can be started only once");
  impl_->started = true;
  auto& core = *impl_->core;
  if (auto e = impl_->setUpUsers()) return e;
  if (auto e = impl_->setUpTls()) return e;
  if (core.options.builtinRoutes) {
    core.dashboards = std::make_unique<DashboardStore>(impl_->stateDir);
    std::string error;
    if (!core.dashboards->load(error)) return error;
    addBuiltinRoutes(core.router, *core.auth, core.dashboards.get());
  }

  boost::system::error_code ec;
  std::string host = core.options.bindAddress == "localhost" ? "127.0.0.1" : core.options.bindAddress;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  auto address = net::ip::make_address(host, ec);
  if (ec) return "bad listen address '" + core.options.bindAddress + "'";

  core.io = std::make_unique<net::io_context>(static_cast<int>(core.options.ioThreads));
  tcp::endpoint endpoint(address, core.options.port);
  auto& acceptor = impl_->acceptor.emplace(net::make_strand(*core.io));
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    std::string message = "cannot listen on " + core.options.bindAddress + ":" +
                          std::to_string(core.options.port) + ": " + ec.message();
    impl_->acceptor.reset();
    core.io.reset();
    return message;
  }
  impl_->port = acceptor.local_endpoint().port();
  core.handlers = std::make_unique<net::thread_pool>(core.options.handlerThreads);
  impl_->work.emplace(core.io->get_executor());
  impl_->accept();
  for (unsigned i = 0; i < core.options.ioThreads; ++i) {
    impl_->ioThreads.emplace_back([io = core.io.get()] { io->run(); });
  }
  impl_->running = true;
  return std::nullopt;
}

void Server::Impl::accept() {
  acceptor->async_accept(
      net::make_strand(*core->io), [this](boost::system::error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted || !acceptor->is_open()) return;
        if (!ec) {
          const size_t active = core->activeConnections.load(std::memory_order_relaxed);
          const size_t limit = core->options.maxConnections;
          const bool refuse = active >= limit;
          if (refuse) core->refusedConnections.fetch_add(1, std::memory_order_relaxed);
          if (active >= limit + kRefusalSlots) {
            boost::system::error_code ignored;
            socket.close(ignored);
          } else {
            core->acceptedConnections.fetch_add(refuse ? 0 : 1, std::memory_order_relaxed);
            socket.set_option(tcp::no_delay(true), ec);
            if (core->ssl) {
              std::make_shared<HttpConnection<TlsStream>>(core, std::move(socket), refuse)->run();
            } else {
              std::make_shared<HttpConnection<PlainStream>>(core, std::move(socket), refuse)->run();
            }
          }
        } else {
          // EMFILE and friends: back off a little instead of spinning.
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        accept();
      });
}

void Server::stop() {
  if (!impl_->running) return;
  auto& core = *impl_->core;
  net::post(impl_->acceptor->get_executor(), [this] {
    boost::system::error_code ec;
    impl_->acceptor->close(ec);
  });
  impl_->work.reset();
  core.io->stop();
  for (auto& t : impl_->ioThreads) t.join();
  impl_->ioThreads.clear();
  // Running handlers finish; queued ones are dropped. Then the connections (owned by pending
  // operations and queued handlers) are destroyed with the pool and the io_context, which cancels
  // their streams.
  core.handlers->stop();
  core.handlers->join();
  core.handlers.reset();
  impl_->acceptor.reset();
  core.io.reset();
  impl_->running = false;
}

uint16_t Server::port() const {
  return impl_->port;
}
bool Server::tlsEnabled() const {
  return impl_->core->ssl != nullptr;
}
const std::string& Server::stateDir() const {
  return impl_->stateDir;
}
const std::string& Server::certificateFile() const {
  return impl_->certFile;
}
UserStore& Server::users() {
  return *impl_->core->users;
}
const Router& Server::router() const {
  return impl_->core->router;
}
const FirstStart& Server::firstStart() const {
  return impl_->firstStart;
}

ServerStats Server::stats() const {
  const auto& core = *impl_->core;
  ServerStats s;
  s.activeConnections = core.activeConnections.load();
  s.acceptedConnections = core.acceptedConnections.load();
  s.refusedConnections = core.refusedConnections.load();
  s.requests = core.requests.load();
  return s;
}

}  // namespace netmeter::api
