#include "api/http_types.h"

#include <strings.h>

#include <array>

namespace netmeter::api {

namespace {

constexpr std::array<std::pair<Method, std::string_view>, 7> kMethods{{
    {Method::Get, "GET"},
    {Method::Post, "POST"},
    {Method::Put, "PUT"},
    {Method::Patch, "PATCH"},
    {Method::Delete, "DELETE"},
    {Method::Options, "OPTIONS"},
    {Method::Head, "HEAD"},
}};

bool equalsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

class FunctionProducer final : public ChunkProducer {
 public:
  FunctionProducer(std::function<StreamStep(std::string&, size_t)> next, std::function<void()> onCancel)
      : next_(std::move(next)), onCancel_(std::move(onCancel)) {}
  StreamStep next(std::string& out, size_t maxBytes) override { return next_(out, maxBytes); }
  void cancelled() override {
    if (onCancel_) onCancel_();
  }

 private:
  std::function<StreamStep(std::string&, size_t)> next_;
  std::function<void()> onCancel_;
};

}  // namespace

std::string_view methodName(Method m) {
  for (const auto& [method, name] : kMethods) {
    if (method == m) return name;
  }
  return "?";
}

std::optional<Method> parseMethod(std::string_view name) {
  for (const auto& [method, n] : kMethods) {
    if (n == name) return method;
  }
  return std::nullopt;
}

std::string_view roleName(Role r) {
  switch (r) {
    case Role::Public:
      return "public";
    case Role::ReadOnly:
      return "read-only";
    case Role::Pcap:
      return "pcap";
    case Role::Admin:
      return "admin";
  }
  return "?";
}

std::optional<Role> parseUserRole(std::string_view name) {
  if (name == "read-only") return Role::ReadOnly;
  if (name == "pcap") return Role::Pcap;
  if (name == "admin") return Role::Admin;
  return std::nullopt;
}

bool roleAllows(Role have, Role needed) {
  if (needed == Role::Public) return true;
  switch (have) {
    case Role::Admin:
      return true;
    case Role::Pcap:
      return needed == Role::ReadOnly || needed == Role::Pcap;
    case Role::ReadOnly:
      return needed == Role::ReadOnly;
    case Role::Public:
      return false;
  }
  return false;
}

std::string_view Request::param(std::string_view name) const {
  for (const auto& [k, v] : params) {
    if (k == name) return v;
  }
  return {};
}

std::optional<std::string_view> Request::queryValue(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

std::optional<std::string_view> Request::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (equalsNoCase(k, name)) return std::string_view(v);
  }
  return std::nullopt;
}

std::unique_ptr<ChunkProducer> makeProducer(std::function<StreamStep(std::string&, size_t)> next,
                                            std::function<void()> onCancel) {
  return std::make_unique<FunctionProducer>(std::move(next), std::move(onCancel));
}

Response Response::json(std::string body, int status) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Response Response::text(std::string body, std::string contentType, int status) {
  Response r;
  r.status = status;
  r.contentType = std::move(contentType);
  r.body = std::move(body);
  return r;
}

Response Response::streamed(std::unique_ptr<ChunkProducer> producer, std::string contentType, int status) {
  Response r;
  r.status = status;
  r.contentType = std::move(contentType);
  r.stream = std::move(producer);
  return r;
}

Response Response::noContent() {
  Response r;
  r.status = 204;
  r.contentType.clear();
  return r;
}

Response& Response::withHeader(std::string name, std::string value) & {
  headers.emplace_back(std::move(name), std::move(value));
  return *this;
}

Response&& Response::withHeader(std::string name, std::string value) && {
  headers.emplace_back(std::move(name), std::move(value));
  return std::move(*this);
}

}  // namespace netmeter::api
