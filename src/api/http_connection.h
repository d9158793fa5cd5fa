#pragma once

// Internal to the server: one client connection, plain or TLS. Included only by server.cpp.
//
// Everything that touches the socket runs on the connection's strand (one of the I/O threads);
// authentication, handlers and stream producers run on the handler pool. A connection has at most
// one request in flight, so the two sides never touch its state at the same time: each hands over
// to the other with a post, which orders the accesses.

#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cstdio>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include "api/errors.h"
#include "api/server_core.h"
#include "api/url.h"

namespace netmeter::api::detail {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

template <typename Stream>
class HttpConnection : public std::enable_shared_from_this<HttpConnection<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  HttpConnection(std::shared_ptr<ServerCore> core, tcp::socket socket, bool refuse)
      : core_(std::move(core)), stream_(makeStream(std::move(socket))), refuse_(refuse) {
    core_->activeConnections.fetch_add(1, std::memory_order_relaxed);
    beast::error_code ec;
    auto endpoint = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    if (!ec) {
      auto address = endpoint.address();
      if (address.is_v6() && address.to_v6().is_v4_mapped()) {
        address = net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6());
      }
      clientAddress_ = address.to_string();
      clientPort_ = endpoint.port();
    }
  }

  ~HttpConnection() {
    if (sink_) sink_->abort("the connection closed before the body was complete");
    cancelStream();
    core_->activeConnections.fetch_sub(1, std::memory_order_relaxed);
  }

  void run() {
    net::dispatch(executor(), [self = this->shared_from_this()] { self->begin(); });
  }

 private:
  auto executor() { return beast::get_lowest_layer(stream_).get_executor(); }
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }
  const ServerOptions& opts() const { return core_->options; }

  Stream makeStream(tcp::socket socket) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *core_->ssl);
    } else {
      return Stream(std::move(socket));
    }
  }

  void begin() {
    if constexpr (kTls) {
      lowest().expires_after(opts().tlsHandshakeTimeout);
      stream_.async_handshake(net::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return self->closeNow();
                                self->readRequest();
                              });
    } else {
      readRequest();
    }
  }

  // ---- reading

  void readRequest() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(opts().maxHeaderBytes));
    // Checked against the route's limit once the route is known. (Not boost::none: Beast 1.74
    // compares Content-Length with the optional and treats "none" as a limit of zero.)
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    request_ = Request{};
    match_ = Router::Match{};
    staticRequest_ = false;
    bodyLimit_ = opts().maxBodyBytes;
    pendingError_.reset();
    if (buffer_.size() > 0) return readHeader();
    // Wait for the first byte with the idle timeout, then give the client headerTimeout for the rest.
    lowest().expires_after(firstRequest_ ? opts().headerTimeout : opts().idleTimeout);
    stream_.async_read_some(buffer_.prepare(1024),
                            [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                              if (ec) return self->closeNow();
                              self->buffer_.commit(n);
                              self->readHeader();
                            });
  }

  void readHeader() {
    lowest().expires_after(opts().headerTimeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->onHeader(ec); });
  }

  static bool isApiPath(std::string_view path) {
    return path == "/API" || path.starts_with("/API/");
  }

  static bool isParseError(const beast::error_code& ec) {
    return ec.category() == beast::error_code(http::error::bad_target).category();
  }

  void onHeader(beast::error_code ec) {
    if (ec) {
      if (ec == http::error::header_limit)
        return respondAndClose(errorResponse(431, "request header too large"));
      if (ec != http::error::end_of_stream && isParseError(ec)) {
        return respondAndClose(errorResponse(400, "malformed HTTP request"));
      }
      return closeNow();  // timeout, reset, EOF between requests
    }
    core_->requests.fetch_add(1, std::memory_order_relaxed);
    const auto& head = parser_->get();
    keepAlive_ = head.keep_alive();
    if (refuse_) {
      return respondAndClose(
          errorResponse(503, "too many connections, try again later").withHeader("Retry-After", "1"));
    }
    auto method = parseMethod(std::string_view(head.method_string().data(), head.method_string().size()));
    if (!method) return respondAndClose(errorResponse(501, "method not supported"));
    std::string_view target(head.target().data(), head.target().size());
    std::string_view path;
    std::string_view query;
    splitTarget(target, path, query);
    request_.method = *method;
    request_.path = std::string(path);
    request_.clientAddress = clientAddress_;
    request_.clientPort = clientPort_;
    request_.tls = kTls;
    for (const auto& field : head) {
      request_.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    match_ = core_->router.match(*method, path);
    // A GET/HEAD outside /API that no route takes is a file of the web UI (or one of its routes).
    staticRequest_ = core_->staticFiles && (*method == Method::Get || *method == Method::Head) &&
                     match_.outcome != Router::Outcome::Found && !isApiPath(path) &&
                     core_->staticFiles->covers(path);
    if (match_.route != nullptr)
      bodyLimit_ = match_.route->options.maxBodyBytes.value_or(opts().maxBodyBytes);
    if (auto length = parser_->content_length(); length && *length > bodyLimit_) {
      return respondAndClose(
          errorResponse(413, "request body larger than " + std::to_string(bodyLimit_) + " bytes"));
    }
    auto parsed = parseQuery(query);
    if (!parsed) {
      pendingError_ = parsed.error();
    } else {
      request_.query = *parsed;
    }
    net::post(*core_->handlers, [self = this->shared_from_this()] { self->authorize(); });
  }

  // On the handler pool: who is asking, may they, and is there such a thing.
  void authorize() {
    if (staticRequest_) return respond(core_->staticFiles->serve(request_));
    const Role needed = match_.requiredRole();
    if (needed != Role::Public) {
      auto outcome = core_->auth->authenticate(request_.header("Authorization"), request_.header("Cookie"),
                                               clientAddress_);
      switch (outcome.kind) {
        case AuthOutcome::Kind::Ok:
          break;
        case AuthOutcome::Kind::Throttled:
          return respond(errorResponse(429, "too many failed logins from this address, retry later")
                             .withHeader("Retry-After", std::to_string(outcome.retryAfterSeconds)));
        case AuthOutcome::Kind::Missing:
        case AuthOutcome::Kind::Invalid: {
          auto r = errorResponse(401, outcome.kind == AuthOutcome::Kind::Missing
                                          ? "authentication required"
                                          : "invalid user name, password or session");
          // Scripts get the Basic challenge; the web UI (X-Requested-With) shows its own login page
          // instead of the browser's password dialog.
          if (!request_.header("X-Requested-With"))
            r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"netmeter\", charset=\"UTF-8\"");
          return respond(std::move(r));
        }
      }
      request_.user = std::move(outcome.user);
      request_.role = outcome.role;
      if (!roleAllows(request_.role, needed)) {
        return respond(errorResponse(403, "role '" + std::string(roleName(request_.role)) +
                                              "' may not do this (needs '" + std::string(roleName(needed)) +
                                              "')"));
      }
    }
    switch (match_.outcome) {
      case Router::Outcome::NotFound:
        return respond(errorResponse(404, "no resource at " + request_.path));
      case Router::Outcome::BadPath:
        return respond(errorResponse(400, match_.message));
      case Router::Outcome::MethodNotAllowed:
        return respond(
            errorResponse(405, "method " + std::string(methodName(request_.method)) + " not allowed here")
                .withHeader("Allow", Router::allowHeader(*match_.node)));
      case Router::Outcome::Options:
        return respond(Response::json(Router::subResourcesJson(*match_.node))
                           .withHeader("Allow", Router::allowHeader(*match_.node)));
      case Router::Outcome::Found:
        break;
    }
    if (pendingError_) return respond(pendingError_->toResponse());
    request_.params = std::move(match_.params);
    if (match_.route->options.bodySink) return startBodySink();
    if (!parser_->is_done()) {
      net::post(executor(), [self = this->shared_from_this()] { self->readBody(); });
      return;
    }
    runHandler();
  }

  // ---- a body streamed to the route's BodySink (uploads); sink_ is touched by one side at a time

  // On the handler pool.
  void startBodySink() {
    Response refusal = errorResponse(500, "internal error");
    try {
      sink_ = match_.route->options.bodySink(request_, refusal);
    } catch (const std::exception& e) {
      core_->log("netmeter: upload handler for " + match_.route->pattern + " failed: " + e.what());
    }
    if (!sink_) return respond(std::move(refusal));
    if (parser_->is_done()) return deliverPiece(std::string(), true);
    net::post(executor(), [self = this->shared_from_this()] {
      self->parser_->body_limit(self->bodyLimit_);
      if (beast::iequals(self->parser_->get()[http::field::expect], "100-continue")) {
        self->continue_.emplace(http::status::continue_, self->parser_->get().version());
        self->lowest().expires_after(self->opts().writeTimeout);
        http::async_write(self->stream_, *self->continue_, [self](beast::error_code ec, size_t) {
          if (ec) return self->closeNow();
          self->readBodyPiece();
        });
        return;
      }
      self->readBodyPiece();
    });
  }

  // On the strand: the next piece of the body (the body timeout is per piece: an idle upload ends).
  void readBodyPiece() {
    lowest().expires_after(opts().bodyTimeout);
    http::async_read_some(stream_, buffer_, *parser_, [self = this->shared_from_this()](beast::error_code ec, size_t) {
      if (ec) {
        auto sink = std::move(self->sink_);
        if (ec == http::error::body_limit) {
          sink->abort("request body too large");
          return self->respondAndClose(
              errorResponse(413, "request body larger than " + std::to_string(self->bodyLimit_) + " bytes"));
        }
        if (isParseError(ec)) {
          sink->abort("malformed request body");
          return self->respondAndClose(errorResponse(400, "malformed request body"));
        }
        sink->abort("the client went away or stopped sending");
        return self->closeNow();
      }
      std::string piece = std::move(self->parser_->get().body());
      self->parser_->get().body().clear();
      const bool done = self->parser_->is_done();
      net::post(*self->core_->handlers, [self, piece = std::move(piece), done]() mutable {
        self->deliverPiece(std::move(piece), done);
      });
    });
  }

  // On the handler pool.
  void deliverPiece(std::string piece, bool done) {
    std::optional<Response> early;
    try {
      if (!piece.empty()) early = sink_->write(piece);
      if (!early && done) early = sink_->finish();
    } catch (const std::exception& e) {
      core_->log("netmeter: upload handler for " + match_.route->pattern + " failed: " + e.what());
      sink_->abort("internal error");
      early = errorResponse(500, "internal error");
    }
    if (early) {
      sink_.reset();
      return respond(std::move(*early));
    }
    net::post(executor(), [self = this->shared_from_this()] { self->readBodyPiece(); });
  }

  void readBody() {
    parser_->body_limit(bodyLimit_);
    auto expect = parser_->get()[http::field::expect];
    if (beast::iequals(expect, "100-continue")) {
      continue_.emplace(http::status::continue_, parser_->get().version());
      lowest().expires_after(opts().writeTimeout);
      http::async_write(stream_, *continue_, [self = this->shared_from_this()](beast::error_code ec, size_t) {
        if (ec) return self->closeNow();
        self->readBodyNow();
      });
      return;
    }
    readBodyNow();
  }

  void readBodyNow() {
    lowest().expires_after(opts().bodyTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, size_t) {
                       if (ec == http::error::body_limit) {
                         return self->respondAndClose(errorResponse(
                             413, "request body larger than " + std::to_string(self->bodyLimit_) + " bytes"));
                       }
                       if (ec && isParseError(ec))
                         return self->respondAndClose(errorResponse(400, "malformed request body"));
                       if (ec) return self->closeNow();
                       self->request_.body = std::move(self->parser_->get().body());
                       net::post(*self->core_->handlers, [self] { self->runHandler(); });
                     });
  }

  // On the handler pool.
  void runHandler() {
    Response response;
    try {
      response = match_.route->handler(request_);
    } catch (const std::exception& e) {
      core_->log("netmeter: handler for " + match_.route->pattern + " failed: " + e.what());
      response = errorResponse(500, "internal error");
    } catch (...) {
      core_->log("netmeter: handler for " + match_.route->pattern + " failed");
      response = errorResponse(500, "internal error");
    }
    respond(std::move(response));
  }

  // From any thread: hands the response to the strand.
  void respond(Response response) {
    net::post(executor(), [self = this->shared_from_this(), r = std::move(response)]() mutable {
      if (self->parser_->is_done()) return self->send(std::move(r));
      self->discardBodyThenSend(std::move(r));
    });
  }

  // The request was answered without its body (401, 403, 404, ...). A small body with a known
  // length is read and dropped so that the connection stays usable; otherwise the connection
  // closes after the response (the stream would be out of sync).
  void discardBodyThenSend(Response r) {
    constexpr uint64_t kMaxDiscard = 64 * 1024;
    auto length = parser_->content_length();
    const bool expectsContinue = beast::iequals(parser_->get()[http::field::expect], "100-continue");
    if (!length || *length > kMaxDiscard || expectsContinue) {
      keepAlive_ = false;
      return send(std::move(r));
    }
    pending_.emplace(std::move(r));
    lowest().expires_after(opts().bodyTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, size_t) {
                       if (ec) return self->closeNow();
                       Response out = std::move(*self->pending_);
                       self->pending_.reset();
                       self->send(std::move(out));
                     });
  }

  void respondAndClose(Response response) {
    keepAlive_ = false;
    send(std::move(response));
  }

  // ---- writing (on the strand)

  template <typename Message>
  void setCommonHeaders(Message& msg, const Response& r) {
    msg.version(11);
    msg.result(static_cast<unsigned>(r.status));
    if (!r.contentType.empty()) msg.set(http::field::content_type, r.contentType);
    bool ownCacheControl = false;
    for (const auto& header : r.headers) ownCacheControl |= beast::iequals(header.first, "Cache-Control");
    if (!ownCacheControl) msg.set(http::field::cache_control, "no-store");
    msg.set("X-Content-Type-Options", "nosniff");
    for (const auto& [name, value] : r.headers) msg.insert(name, value);
    msg.keep_alive(keepAlive_);
  }

  void send(Response r) {
    if (r.stream) return startStream(std::move(r));
    response_.emplace();
    setCommonHeaders(*response_, r);
    response_->body() = std::move(r.body);
    response_->prepare_payload();
    if (request_.method == Method::Head) {  // the headers of a GET, without its body
      const auto length = response_->body().size();
      response_->body().clear();
      response_->content_length(length);
    }
    serializer_.emplace(*response_);
    writeSome();
  }

  void writeSome() {
    lowest().expires_after(opts().writeTimeout);
    http::async_write_some(stream_, *serializer_,
                           [self = this->shared_from_this()](beast::error_code ec, size_t) {
                             if (ec) return self->closeNow();
                             if (!self->serializer_->is_done()) return self->writeSome();
                             self->serializer_.reset();
                             self->response_.reset();
                             self->afterResponse();
                           });
  }

  void afterResponse() {
    if (!keepAlive_) return closeGracefully();
    firstRequest_ = false;
    readRequest();
  }

  // ---- streaming

  void startStream(Response r) {
    producer_ = std::move(r.stream);
    streamHead_.emplace();
    setCommonHeaders(*streamHead_, r);
    streamHead_->chunked(true);
    streamSerializer_.emplace(*streamHead_);
    lowest().expires_after(opts().writeTimeout);
    http::async_write_header(stream_, *streamSerializer_,
                             [self = this->shared_from_this()](beast::error_code ec, size_t) {
                               if (ec) return self->closeNow();
                               self->produce();
                             });
  }

  void produce() {
    net::post(*core_->handlers, [self = this->shared_from_this()] {
      self->chunk_.clear();
      StreamStep step = StreamStep::Abort;
      try {
        step = self->producer_->next(self->chunk_, self->opts().streamChunkBytes);
      } catch (const std::exception& e) {
        self->core_->log(std::string("netmeter: stream producer failed: ") + e.what());
      }
      net::post(self->executor(), [self, step] { self->onProduced(step); });
    });
  }

  void onProduced(StreamStep step) {
    if (step == StreamStep::Abort) {
      endStream();
      return closeNow();
    }
    if (chunk_.empty()) return step == StreamStep::More ? produce() : writeChunk(step);
    writeChunk(step);
  }

  // Chunk framing by hand: one gather write of the size line, the data and the CRLF (plus the last
  // chunk at the end) costs much less than Beast's chunk buffer sequences.
  void writeChunk(StreamStep step) {
    static constexpr std::string_view kTail = "\r\n";
    static constexpr std::string_view kLast = "0\r\n\r\n";
    static constexpr std::string_view kTailAndLast = "\r\n0\r\n\r\n";
    std::array<net::const_buffer, 3> buffers;
    if (chunk_.empty()) {
      buffers = {net::const_buffer(), net::const_buffer(), net::buffer(kLast.data(), kLast.size())};
    } else {
      const int n = std::snprintf(chunkHead_.data(), chunkHead_.size(), "%zx\r\n", chunk_.size());
      std::string_view tail = step == StreamStep::Done ? kTailAndLast : kTail;
      buffers = {net::buffer(chunkHead_.data(), static_cast<size_t>(n)), net::buffer(chunk_),
                 net::buffer(tail.data(), tail.size())};
    }
    lowest().expires_after(opts().writeTimeout);
    net::async_write(stream_, buffers, [self = this->shared_from_this(), step](beast::error_code ec, size_t) {
      if (ec) return self->closeNow();  // the client left or stopped reading
      if (step == StreamStep::More) return self->produce();
      self->endStream();
      self->streamSerializer_.reset();
      self->streamHead_.reset();
      self->afterResponse();
    });
  }

  // The producer finished (or aborted) by itself: no cancelled() call.
  void endStream() {
    producer_.reset();
    chunk_ = std::string();
  }

  // The stream ends early (client gone, write timeout, server stopping).
  void cancelStream() {
    if (producer_) {
      producer_->cancelled();
      producer_.reset();
    }
  }

  // ---- closing

  void closeNow() {
    cancelStream();
    beast::error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    lowest().close();
  }

  // After "Connection: close": tell the client we are done, then drain what it still sends for a
  // moment so that the kernel does not answer unread data with a reset that destroys our response.
  // Bounded (kMaxDrainBytes, 2 s without data); above the largest body a client refused for its size
  // is likely to push after our answer (a 413 for an upload a few MiB over the limit).
  void closeGracefully() {
    if constexpr (kTls) {
      lowest().expires_after(std::chrono::seconds(2));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) { self->closeNow(); });
    } else {
      beast::error_code ec;
      lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
      if (ec) return closeNow();
      drained_ = 0;
      drain();
    }
  }

  void drain() {
    lowest().expires_after(std::chrono::seconds(2));
    lowest().async_read_some(net::buffer(drainBuffer_),
                             [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                               self->drained_ += n;
                               if (ec || self->drained_ > kMaxDrainBytes) return self->closeNow();
                               self->drain();
                             });
  }

  std::shared_ptr<ServerCore> core_;
  Stream stream_;
  bool refuse_;
  std::string clientAddress_;
  uint16_t clientPort_ = 0;
  beast::flat_buffer buffer_;
  bool firstRequest_ = true;
  bool keepAlive_ = false;
  bool staticRequest_ = false;

  std::optional<http::request_parser<http::string_body>> parser_;
  Request request_;
  Router::Match match_;
  size_t bodyLimit_ = 0;
  std::optional<ApiError> pendingError_;
  std::optional<Response> pending_;
  std::unique_ptr<BodySink> sink_;  // the route's body sink while an upload body is read

  std::optional<http::response<http::empty_body>> continue_;
  std::optional<http::response<http::string_body>> response_;
  std::optional<http::response_serializer<http::string_body>> serializer_;

  std::unique_ptr<ChunkProducer> producer_;
  std::string chunk_;
  std::array<char, 24> chunkHead_{};
  std::optional<http::response<http::empty_body>> streamHead_;
  std::optional<http::response_serializer<http::empty_body>> streamSerializer_;

  static constexpr size_t kMaxDrainBytes = size_t{16} << 20;
  std::array<char, 4096> drainBuffer_{};
  size_t drained_ = 0;
};

}  // namespace netmeter::api::detail
