#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "api/http_types.h"

namespace netmeter::api {

// An error a handler (or the server) answers with: JSON {"error": message, "parameter": name},
// "parameter" only when one parameter is at fault.
struct ApiError {
  int status = 400;
  std::string message;
  std::string parameter;

  Response toResponse() const;
};

Response errorResponse(int status, std::string_view message, std::string_view parameter = {});

ApiError badParameter(std::string_view parameter, std::string_view message);  // 400
ApiError notFound(std::string_view message);                                  // 404

// A value or the ApiError that explains why there is none.
template <typename T>
class Expected {
 public:
  Expected(T value) : v_(std::move(value)) {}         // NOLINT: implicit on purpose
  Expected(ApiError error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  const T& operator*() const { return std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  const ApiError& error() const { return std::get<1>(v_); }
  Response errorResponse() const { return error().toResponse(); }

 private:
  std::variant<T, ApiError> v_;
};

// Query parameter helpers. Absent parameters give `fallback`, or an error when there is none:
//   auto count = intParam(req, "count", 1, 100, 10);
//   if (!count) return count.errorResponse();  // "parameter 'count' must be a number from 1 to 100"
Expected<int64_t> intParam(const Request& req, std::string_view name, int64_t min, int64_t max,
                           std::optional<int64_t> fallback = std::nullopt);
Expected<bool> boolParam(const Request& req, std::string_view name, std::optional<bool> fallback = false);
Expected<std::string> stringParam(const Request& req, std::string_view name,
                                  std::optional<std::string> fallback = std::nullopt);
// One of `allowed`, e.g. sort=bytes|rxbytes|...
Expected<std::string> choiceParam(const Request& req, std::string_view name,
                                  std::initializer_list<std::string_view> allowed,
                                  std::optional<std::string> fallback = std::nullopt);

std::string_view statusReason(int status);

}  // namespace netmeter::api
