#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace netmeter::api {

enum class Method : uint8_t { Get, Post, Put, Patch, Delete, Options, Head };

std::string_view methodName(Method m);
std::optional<Method> parseMethod(std::string_view name);

// What a route requires. Roles are ordered by what they may do: Pcap = ReadOnly + packet captures,
// Admin = everything. Public routes need no credentials at all (login).
enum class Role : uint8_t { Public, ReadOnly, Pcap, Admin };

std::string_view roleName(Role r);                         // "read-only", "pcap", "admin", "public"
std::optional<Role> parseUserRole(std::string_view name);  // users only: read-only | pcap | admin
bool roleAllows(Role have, Role needed);

using NameValues = std::vector<std::pair<std::string, std::string>>;

// What a handler sees. Names are unique in `params` and `query` (repeated query keys are rejected
// with 400 before the handler runs); header names are compared case-insensitively.
struct Request {
  Method method = Method::Get;
  std::string path;    // the raw path of the target, without the query string
  NameValues params;   // path parameters (":ip" -> "ip"), URL-decoded
  NameValues query;    // query parameters, URL-decoded, '+' as space, in request order
  NameValues headers;  // as received
  std::string body;
  std::string user;  // empty on public routes
  Role role = Role::Public;
  std::string clientAddress;  // "127.0.0.1" or "::1"
  uint16_t clientPort = 0;
  bool tls = false;

  std::string_view param(std::string_view name) const;  // "" when absent
  std::optional<std::string_view> queryValue(std::string_view name) const;
  std::optional<std::string_view> header(std::string_view name) const;
};

enum class StreamStep : uint8_t {
  More,   // `out` holds the next chunk (may be empty); call again once the client has taken it
  Done,   // `out` holds the last chunk (may be empty); the response ends normally
  Abort,  // stop now; the connection is closed without the terminating chunk (client sees truncation)
};

// A streamed (chunked) response body. next() is called on the handler pool, never concurrently,
// first right after the headers are written and then each time the client's socket has accepted
// the previous chunk: that is the back-pressure, and it bounds memory to one chunk per stream.
// When the client disconnects, a write times out or the server stops, next() is not called again
// and cancelled() is called once (from any thread). The producer is destroyed after the last call.
class ChunkProducer {
 public:
  virtual ~ChunkProducer() = default;
  // Append at most `maxBytes` (ServerOptions::streamChunkBytes) to `out`, which is empty on entry.
  virtual StreamStep next(std::string& out, size_t maxBytes) = 0;
  virtual void cancelled() {}
};

// A producer from a callable: `StreamStep fn(std::string& out, size_t maxBytes)`.
std::unique_ptr<ChunkProducer> makeProducer(std::function<StreamStep(std::string&, size_t)> next,
                                            std::function<void()> onCancel = {});

struct Response {
  int status = 200;
  std::string contentType = "application/json";
  std::string body;
  NameValues headers;                     // extra headers (Set-Cookie, Content-Disposition, ...)
  std::unique_ptr<ChunkProducer> stream;  // when set, `body` is ignored and the body is chunked

  static Response json(std::string body, int status = 200);
  static Response text(std::string body, std::string contentType = "text/plain; charset=utf-8",
                       int status = 200);
  static Response streamed(std::unique_ptr<ChunkProducer> producer, std::string contentType,
                           int status = 200);
  static Response noContent();
  Response& withHeader(std::string name, std::string value) &;
  Response&& withHeader(std::string name, std::string value) &&;
};

using Handler = std::function<Response(const Request&)>;

// A request body taken piece by piece as it arrives, so an upload of any size is never held whole
// (see Server::uploadRoute). The calls come from the handler pool, one at a time, in order; the next
// piece is read from the socket only after write() returned: that is the back-pressure.
class BodySink {
 public:
  virtual ~BodySink() = default;
  // The next piece. Returning a response ends the request early with it (the rest is not read).
  virtual std::optional<Response> write(std::string_view piece) = 0;
  // The whole body arrived.
  virtual Response finish() = 0;
  // Instead of finish(): the client went away, timed out, sent a malformed or too large body, or the
  // server stopped. The response, if any, was not the sink's.
  virtual void abort(std::string_view reason) = 0;
};

// Called once the request is authorized (on the handler pool): the sink for its body, or nullptr and
// `refusal` set (e.g. a 400 naming a bad parameter, 409 when an upload is already running).
using BodySinkFactory = std::function<std::unique_ptr<BodySink>(const Request& req, Response& refusal)>;

struct RouteOptions {
  std::optional<size_t> maxBodyBytes;  // default: ServerOptions::maxBodyBytes
  BodySinkFactory bodySink;            // set by Server::uploadRoute: the body is streamed to it

  static RouteOptions withMaxBody(size_t bytes) {
    RouteOptions o;
    o.maxBodyBytes = bytes;
    return o;
  }
};

}  // namespace netmeter::api
