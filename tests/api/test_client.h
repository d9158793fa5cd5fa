#pragma once

// A small synchronous HTTP/1.1 client (Boost.Beast, optionally TLS) and a fixture that runs a real
// netmeter::api::Server on 127.0.0.1 with an ephemeral port and a temporary state directory.

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/auth.h"
#include "api/server.h"

namespace netmeter::api::testing {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

inline constexpr const char* kAdminPassword = "admin-secret-1";
inline constexpr const char* kReaderPassword = "reader-secret-1";
inline constexpr const char* kPcapPassword = "pcap-secret-1";

inline std::string basicAuth(std::string_view user, std::string_view password) {
  return "Basic " + base64Encode(std::string(user) + ":" + std::string(password));
}

struct HttpResult {
  int status = 0;
  std::string body;
  std::multimap<std::string, std::string> headers;  // lower-case names
  bool keepAlive = true;

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
  nlohmann::json json() const {
    auto j = nlohmann::json::parse(body, nullptr, false);
    return j;
  }
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// One keep-alive connection. With `tls`, verifies the server against `caFile` and `host`.
class HttpClient {
 public:
  struct TlsSettings {
    std::string caFile;
    std::string host = "localhost";
  };

  explicit HttpClient(uint16_t port, std::optional<TlsSettings> tls = std::nullopt) {
    if (tls) {
      ctx_ = std::make_unique<net::ssl::context>(net::ssl::context::tls_client);
      ctx_->load_verify_file(tls->caFile);
      ctx_->set_verify_mode(net::ssl::verify_peer);
      tlsStream_ = std::make_unique<beast::ssl_stream<tcp::socket>>(ioc_, *ctx_);
      SSL_set1_host(tlsStream_->native_handle(), tls->host.c_str());
      SSL_set_tlsext_host_name(tlsStream_->native_handle(), tls->host.c_str());
      tlsStream_->next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
      tlsStream_->handshake(net::ssl::stream_base::client);
    } else {
      socket_ = std::make_unique<tcp::socket>(ioc_);
      socket_->connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    }
  }

  HttpResult request(http::verb method, const std::string& target, const Headers& headers = {},
                     const std::string& body = {}) {
    http::request<http::string_body> req(method, target, 11);
    req.set(http::field::host, "localhost");
    for (const auto& [k, v] : headers) req.set(k, v);
    if (!body.empty() || method == http::verb::post || method == http::verb::put) {
      req.body() = body;
      req.prepare_payload();
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(64u << 20);
    if (tlsStream_) {
      http::write(*tlsStream_, req);
      http::read(*tlsStream_, buffer_, parser);
    } else {
      http::write(*socket_, req);
      http::read(*socket_, buffer_, parser);
    }
    auto& res = parser.get();
    HttpResult out;
    out.status = static_cast<int>(res.result_int());
    out.body = res.body();
    out.keepAlive = res.keep_alive();
    for (const auto& f : res) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers.emplace(name, std::string(f.value()));
    }
    return out;
  }

  HttpResult get(const std::string& target, const Headers& headers = {}) {
    return request(http::verb::get, target, headers);
  }

  tcp::socket& socket() { return tlsStream_ ? tlsStream_->next_layer() : *socket_; }
  beast::ssl_stream<tcp::socket>* tlsStream() { return tlsStream_.get(); }
  beast::flat_buffer& buffer() { return buffer_; }

 private:
  net::io_context ioc_;
  std::unique_ptr<net::ssl::context> ctx_;
  std::unique_ptr<tcp::socket> socket_;
  std::unique_ptr<beast::ssl_stream<tcp::socket>> tlsStream_;
  beast::flat_buffer buffer_;
};

// A fresh temporary directory, removed at the end.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "netmeter-api-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline unsigned fileMode(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

// A server with users admin / reader (read-only) / capture (pcap) and a log that tests can read.
class ServerFixture : public ::testing::Test {
 protected:
  ServerOptions baseOptions() {
    ServerOptions o;
    o.bindAddress = "127.0.0.1";
    o.port = 0;
    o.stateDir = stateDir_.path() + "/state";
    o.ioThreads = 2;
    o.handlerThreads = 4;
    o.log = [this](std::string_view line) {
      std::lock_guard lock(logMutex_);
      log_.emplace_back(line);
    };
    return o;
  }

  // Starts `server_` with `options`; call after registering routes on it.
  void startServer(bool addUsers = true) {
    ::setenv("NETMETER_ADMIN_PASSWORD", kAdminPassword, 1);
    auto error = server_->start();
    ASSERT_FALSE(error.has_value()) << *error;
    if (addUsers && !server_->users().role("reader")) {
      ASSERT_FALSE(server_->users().add("reader", kReaderPassword, Role::ReadOnly).has_value());
      ASSERT_FALSE(server_->users().add("capture", kPcapPassword, Role::Pcap).has_value());
    }
  }

  void makeServer(ServerOptions options) { server_ = std::make_unique<Server>(std::move(options)); }

  std::vector<std::string> logLines() {
    std::lock_guard lock(logMutex_);
    return log_;
  }

  uint16_t port() const { return server_->port(); }
  Headers admin() const { return {{"Authorization", basicAuth("admin", kAdminPassword)}}; }
  Headers reader() const { return {{"Authorization", basicAuth("reader", kReaderPassword)}}; }
  Headers capture() const { return {{"Authorization", basicAuth("capture", kPcapPassword)}}; }

  TempDir stateDir_;
  std::unique_ptr<Server> server_;
  std::mutex logMutex_;
  std::vector<std::string> log_;
};

}  // namespace netmeter::api::testing
