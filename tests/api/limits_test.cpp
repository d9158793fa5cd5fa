// Protection against slow and greedy clients, the connection limit, and a load test.

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "test_client.h"

namespace netmeter::api::testing {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

// True when the peer has closed the connection (EOF or reset) within `wait`.
bool closedByPeer(tcp::socket& socket, std::chrono::milliseconds wait) {
  pollfd p{socket.native_handle(), POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return false;
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(socket.native_handle(), buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0) return true;
    if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK;
  }
}

template <typename Predicate>
bool eventually(Predicate pred, std::chrono::milliseconds limit = 5000ms) {
  auto end = SteadyClock::now() + limit;
  while (SteadyClock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}

class LimitsTest : public ServerFixture {
 protected:
  void start(ServerOptions options) {
    makeServer(std::move(options));
    server_->route(Method::Get, "/API/stats/modules/ip/ips/:ip", Role::ReadOnly, [](const Request& req) {
      return Response::json(
          nlohmann::json{{"ip", req.param("ip")}, {"n", std::string(req.queryValue("n").value_or(""))}}
              .dump());
    });
    server_->route(Method::Get, "/big", Role::ReadOnly,
                   [](const Request&) { return Response::text(std::string(64u << 20, 'b')); });
    server_->route(Method::Get, "/endless", Role::ReadOnly, [this](const Request&) {
      return Response::streamed(makeProducer(
                                    [](std::string& out, size_t max) {
                                      out.assign(max, 'e');
                                      return StreamStep::More;
                                    },
                                    [this] { streamCancelled_ = true; }),
                                "text/plain");
    });
    startServer(false);
  }

  std::atomic<bool> streamCancelled_{false};
};

TEST_F(LimitsTest, SlowlorisIsCutOffByTheHeaderTimeout) {
  auto options = baseOptions();
  options.headerTimeout = 2000ms;
  start(options);
  HttpClient c(port());
  const std::string request =
      "GET /API/stats/modules/ip/ips/1.2.3.4 HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(100, 'z') +
      "\r\n\r\n";
  auto begin = SteadyClock::now();
  bool closed = false;
  for (char ch : request) {  // one byte per second
    boost::system::error_code ec;
    net::write(c.socket(), net::buffer(&ch, 1), ec);
    if (ec || closedByPeer(c.socket(), 1000ms)) {
      closed = true;
      break;
    }
  }
  auto took = SteadyClock::now() - begin;
  EXPECT_TRUE(closed);
  EXPECT_GE(took, 1500ms);
  EXPECT_LE(took, 4500ms);
}

TEST_F(LimitsTest, IdleKeepAliveConnectionsAreClosed) {
  auto options = baseOptions();
  options.idleTimeout = 700ms;
  start(options);
  HttpClient c(port());
  EXPECT_EQ(c.get("/API/stats/modules/ip/ips/1.2.3.4", admin()).status, 200);
  EXPECT_FALSE(closedByPeer(c.socket(), 300ms));
  EXPECT_TRUE(closedByPeer(c.socket(), 2000ms));
}

TEST_F(LimitsTest, ClientThatStopsReadingIsDropped) {
  auto options = baseOptions();
  options.writeTimeout = 700ms;
  start(options);
  std::vector<std::unique_ptr<HttpClient>> clients;
  for (const char* target : {"/big", "/endless"}) {
    auto c = std::make_unique<HttpClient>(port());
    c->socket().set_option(net::socket_base::receive_buffer_size(16 * 1024));
    http::request<http::empty_body> req(http::verb::get, target, 11);
    req.set(http::field::authorization, basicAuth("admin", kAdminPassword));
    http::write(c->socket(), req);
    clients.push_back(std::move(c));
  }
  ASSERT_TRUE(eventually([&] { return server_->stats().activeConnections == 2; }));
  auto begin = SteadyClock::now();
  EXPECT_TRUE(eventually([&] { return server_->stats().activeConnections == 0; }, 6000ms))
      << server_->stats().activeConnections;
  EXPECT_GE(SteadyClock::now() - begin, 500ms);
  EXPECT_TRUE(streamCancelled_.load());
}

TEST_F(LimitsTest, ConnectionsBeyondTheLimitAreRefusedPolitely) {
  auto options = baseOptions();
  options.maxConnections = 4;
  start(options);
  std::vector<std::unique_ptr<HttpClient>> clients;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(std::make_unique<HttpClient>(port()));
    EXPECT_EQ(clients.back()->get("/API/stats/modules/ip/ips/1.1.1.1", admin()).status, 200);
  }
  {
    HttpClient extra(port());
    auto r = extra.get("/API/stats/modules/ip/ips/1.1.1.1", admin());
    EXPECT_EQ(r.status, 503);
    EXPECT_TRUE(r.json()["error"].is_string());
    EXPECT_FALSE(r.keepAlive);
    EXPECT_EQ(r.header("retry-after"), "1");
  }
  EXPECT_GE(server_->stats().refusedConnections, 1u);
  clients.pop_back();
  ASSERT_TRUE(eventually([&] { return server_->stats().activeConnections < 4; }));
  HttpClient again(port());
  EXPECT_EQ(again.get("/API/stats/modules/ip/ips/1.1.1.1", admin()).status, 200);
  for (auto& c : clients) EXPECT_EQ(c->get("/API/stats/modules/ip/ips/2.2.2.2", admin()).status, 200);
}

// 200 concurrent keep-alive clients x 50 requests, every answer checked.
TEST_F(LimitsTest, LoadTwoHundredConcurrentClients) {
  constexpr int kClients = 200;
  constexpr int kRequests = 50;
  start(baseOptions());
  std::atomic<int> good{0};
  std::atomic<int> bad{0};
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  auto begin = SteadyClock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&, t] {
      try {
        HttpClient c(port());
        ++ready;
        while (!go) std::this_thread::sleep_for(1ms);
        const Headers auth =
            t % 2 == 0 ? admin() : Headers{{"Authorization", basicAuth("admin", kAdminPassword)}};
        for (int i = 0; i < kRequests; ++i) {
          const std::string ip = "10.0." + std::to_string(t) + "." + std::to_string(i);
          auto r = c.get("/API/stats/modules/ip/ips/" + ip + "?n=" + std::to_string(i), auth);
          auto j = r.json();
          if (r.status == 200 && j["ip"] == ip && j["n"] == std::to_string(i)) {
            ++good;
          } else {
            ++bad;
          }
        }
      } catch (const std::exception&) {
        ++bad;
      }
    });
  }
  ASSERT_TRUE(eventually([&] { return ready.load() == kClients; }, 10000ms));
  go = true;
  for (auto& t : threads) t.join();
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - begin);
  EXPECT_EQ(good.load(), kClients * kRequests);
  EXPECT_EQ(bad.load(), 0);
  EXPECT_LT(took, 20000ms);
  std::printf("load: %d requests from %d clients in %lld ms\n", kClients * kRequests, kClients,
              static_cast<long long>(took.count()));
}

}  // namespace
}  // namespace netmeter::api::testing
