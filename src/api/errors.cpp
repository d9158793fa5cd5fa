#include "api/errors.h"

#include <charconv>

#include "api/json_util.h"

namespace netmeter::api {

Response ApiError::toResponse() const {
  return errorResponse(status, message, parameter);
}

Response errorResponse(int status, std::string_view message, std::string_view parameter) {
  JsonBuilder json;
  json.beginObject().field("error", message);
  if (!parameter.empty()) json.field("parameter", parameter);
  json.endObject();
  return Response::json(json.str(), status);
}

ApiError badParameter(std::string_view parameter, std::string_view message) {
  return ApiError{400, std::string(message), std::string(parameter)};
}

ApiError notFound(std::string_view message) {
  return ApiError{404, std::string(message), {}};
}

Expected<int64_t> intParam(const Request& req, std::string_view name, int64_t min, int64_t max,
                           std::optional<int64_t> fallback) {
  const std::string range = "parameter '" + std::string(name) + "' must be a number from " +
                            std::to_string(min) + " to " + std::to_string(max);
  auto raw = req.queryValue(name);
  if (!raw) {
    if (fallback) return *fallback;
    return badParameter(
        name, "parameter '" + std::string(name) + "' is required and " + range.substr(range.find("must")));
  }
  int64_t v = 0;
  const char* end = raw->data() + raw->size();
  auto [ptr, ec] = std::from_chars(raw->data(), end, v);
  if (raw->empty() || ec != std::errc() || ptr != end || v < min || v > max) return badParameter(name, range);
  return v;
}

Expected<bool> boolParam(const Request& req, std::string_view name, std::optional<bool> fallback) {
  auto raw = req.queryValue(name);
  if (!raw) {
    if (fallback) return *fallback;
    return badParameter(name, "parameter '" + std::string(name) + "' is required (true or false)");
  }
  if (*raw == "true" || *raw == "1" || raw->empty()) return true;
  if (*raw == "false" || *raw == "0") return false;
  return badParameter(name, "parameter '" + std::string(name) + "' must be true or false");
}

Expected<std::string> stringParam(const Request& req, std::string_view name,
                                  std::optional<std::string> fallback) {
  auto raw = req.queryValue(name);
  if (raw) return std::string(*raw);
  if (fallback) return *fallback;
  return badParameter(name, "parameter '" + std::string(name) + "' is required");
}

Expected<std::string> choiceParam(const Request& req, std::string_view name,
                                  std::initializer_list<std::string_view> allowed,
                                  std::optional<std::string> fallback) {
  auto raw = req.queryValue(name);
  if (!raw) {
    if (fallback) return *fallback;
  } else {
    for (auto a : allowed) {
      if (a == *raw) return std::string(*raw);
    }
  }
  std::string message = "parameter '" + std::string(name) + "' must be one of ";
  bool first = true;
  for (auto a : allowed) {
    if (!first) message += ", ";
    message += a;
    first = false;
  }
  return badParameter(name, message);
}

std::string_view statusReason(int status) {
  switch (status) {
    case 400:
      return "bad request";
    case 401:
      return "authentication required";
    case 403:
      return "forbidden";
    case 404:
      return "not found";
    case 405:
      return "method not allowed";
    case 408:
      return "request timeout";
    case 413:
      return "request body too large";
    case 429:
      return "too many requests";
    case 431:
      return "request header fields too large";
    case 500:
      return "internal server error";
    case 503:
      return "service unavailable";
    default:
      return "error";
  }
}

}  // namespace netmeter::api
