// Routes whose body streams into a BodySink: every byte arrives in order, a limit is enforced while
// reading, an early answer stops the upload, and a client that goes away aborts the sink.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "test_client.h"

namespace netmeter::api::testing {
namespace {

using namespace std::chrono_literals;

struct SinkProbe {
  std::mutex mutex;
  std::string received;
  size_t pieces = 0;
  bool finished = false;
  std::string aborted;
};

class ProbeSink final : public BodySink {
 public:
  ProbeSink(std::shared_ptr<SinkProbe> probe, size_t refuseAfter) : probe_(std::move(probe)), refuseAfter_(refuseAfter) {}
  std::optional<Response> write(std::string_view piece) override {
    std::lock_guard lock(probe_->mutex);
    probe_->received.append(piece);
    ++probe_->pieces;
    if (refuseAfter_ != 0 && probe_->received.size() >= refuseAfter_) return errorResponse(400, "enough");
    return std::nullopt;
  }
  Response finish() override {
    std::lock_guard lock(probe_->mutex);
    probe_->finished = true;
    return Response::json("{\"bytes\":" + std::to_string(probe_->received.size()) + "}");
  }
  void abort(std::string_view reason) override {
    std::lock_guard lock(probe_->mutex);
    probe_->aborted = std::string(reason);
  }

 private:
  std::shared_ptr<SinkProbe> probe_;
  size_t refuseAfter_;
};

class UploadRouteTest : public ServerFixture {
 protected:
  void SetUp() override {
    makeServer(baseOptions());
    server_->uploadRoute(
        Method::Post, "/upload", Role::Admin,
        [this](const Request& req, Response& refusal) -> std::unique_ptr<BodySink> {
          if (req.queryValue("refuse")) {
            refusal = errorResponse(409, "busy");
            return nullptr;
          }
          const size_t after = std::stoul(std::string(req.queryValue("refuseAfter").value_or("0")));
          return std::make_unique<ProbeSink>(probe_, after);
        },
        4u << 20);
    startServer();
  }
  std::shared_ptr<SinkProbe> probe_ = std::make_shared<SinkProbe>();
};

TEST_F(UploadRouteTest, WholeBodyArrivesInOrder) {
  std::string body;
  for (int i = 0; i < 3'000'000; ++i) body.push_back(char('a' + i % 26));
  HttpClient c(port());
  auto r = c.request(http::verb::post, "/upload", admin(), body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["bytes"], body.size());
  std::lock_guard lock(probe_->mutex);
  EXPECT_TRUE(probe_->finished);
  EXPECT_EQ(probe_->received, body);
  EXPECT_GT(probe_->pieces, 1u);  // streamed, not collected
  EXPECT_TRUE(probe_->aborted.empty());
}

TEST_F(UploadRouteTest, LimitRefusalAndEarlyAnswer) {
  HttpClient c(port());
  EXPECT_EQ(c.request(http::verb::post, "/upload", admin(), std::string(5u << 20, 'x')).status, 413);
  HttpClient c2(port());
  auto refused = c2.request(http::verb::post, "/upload?refuse=1", admin(), "abc");
  EXPECT_EQ(refused.status, 409);
  EXPECT_EQ(refused.json()["error"], "busy");
  HttpClient c3(port());
  EXPECT_EQ(c3.request(http::verb::post, "/upload?refuseAfter=1000", admin(), std::string(2u << 20, 'y')).status, 400);
  HttpClient c4(port());
  EXPECT_EQ(c4.request(http::verb::post, "/upload", reader(), "abc").status, 403);
  HttpClient c5(port());
  EXPECT_EQ(c5.request(http::verb::post, "/upload", {}, "abc").status, 401);
}

TEST_F(UploadRouteTest, ClientThatGoesAwayAbortsTheSink) {
  {
    net::io_context ioc;
    tcp::socket socket(ioc);
    socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port()));
    const std::string head = "POST /upload HTTP/1.1\r\nHost: x\r\nAuthorization: " +
                             basicAuth("admin", kAdminPassword) + "\r\nContent-Length: 100000\r\n\r\n";
    net::write(socket, net::buffer(head + std::string(1000, 'z')));
    std::this_thread::sleep_for(200ms);
  }  // closed with 99,000 bytes missing
  for (int i = 0; i < 100; ++i) {
    {
      std::lock_guard lock(probe_->mutex);
      if (!probe_->aborted.empty()) break;
    }
    std::this_thread::sleep_for(20ms);
  }
  std::lock_guard lock(probe_->mutex);
  EXPECT_FALSE(probe_->finished);
  EXPECT_FALSE(probe_->aborted.empty());
  EXPECT_EQ(probe_->received, std::string(1000, 'z'));
}

}  // namespace
}  // namespace netmeter::api::testing
